"""A delivery planned on the recipient's preferred channel is marked, so that it follows her
if she prefers another channel by the time it goes. Rows planned before keep their channel.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("deliveries", sa.Column("follows_preference", sa.Boolean, nullable=False,
                                          server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as table:
        table.drop_column("follows_preference")
