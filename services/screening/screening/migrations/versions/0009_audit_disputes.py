"""Two different entries told with one service's entry number: the first kept is marked
disputed and the others are kept beside it (``other_versions``), where they were silently
dropped. Every service may write vod.audit, so a host holding one service's credentials could
otherwise tell an entry in another's name first and so hide the real one.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_everywhere") as batch:
        batch.add_column(sa.Column("disputed", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("other_versions", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_everywhere") as batch:
        batch.drop_column("other_versions")
        batch.drop_column("disputed")
