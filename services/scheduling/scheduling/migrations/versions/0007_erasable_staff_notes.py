"""Staff's sealed notes on a case can be erased (``sealed`` is NULL afterwards) when the case's
requester is: who acted, when, and the reason code stay.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_notes") as batch:
        batch.alter_column("sealed", existing_type=sa.JSON, nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM staff_notes WHERE sealed IS NULL")
    with op.batch_alter_table("staff_notes") as batch:
        batch.alter_column("sealed", existing_type=sa.JSON, nullable=False)
