"""What intake sealed for screening about the request's logistics (whether the victim lives
outside California, so is offered travel accommodation), kept sealed on the case and opened
only for a signed-in staff member's page.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("logistics", sa.JSON, nullable=True))
    op.create_index("ix_cases_requester", "cases", ["requester_id"])


def downgrade() -> None:
    op.drop_index("ix_cases_requester", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("logistics")
