"""A requester intake erased (PersonErased): the cases they requested forget what intake's
sealed values told scheduling, and say so; cases are found by their requester.

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
        batch.add_column(sa.Column("details_erased", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
    op.create_index("ix_cases_victim_id", "cases", ["victim_id"])


def downgrade() -> None:
    op.drop_index("ix_cases_victim_id", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("details_erased")
