"""A clearance screening voided (the offender left that facility) is kept apart from a denial.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clearances") as batch:
        batch.add_column(sa.Column("voided", sa.Boolean, nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("clearances") as batch:
        batch.drop_column("voided")
