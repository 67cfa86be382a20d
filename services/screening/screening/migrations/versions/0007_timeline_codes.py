"""Each timeline line keeps its event's one code (an outcome, a reason code) for the program's
reports. Lines written before this have none until the read model is rebuilt.

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
    with op.batch_alter_table("case_timeline") as batch:
        batch.add_column(sa.Column("code", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_timeline") as batch:
        batch.drop_column("code")
