"""The support persons a victim no longer wants (ids): a clearance decided for one later (the
topics are read independently) does not bring them back to the dialogue.

Revision ID: 0010_support_persons_removed
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_support_persons_removed"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("support_persons_removed", sa.JSON, nullable=False,
                                   server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("support_persons_removed")
