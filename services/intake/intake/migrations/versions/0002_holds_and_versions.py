"""Who holds a case (the victim's pause and the program's are lifted separately), and a
version so that two changes to a case at once cannot both win.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("holds", sa.JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="0"))
    # A case paused before holds were recorded was paused by its victim.
    op.execute("UPDATE cases SET holds = '[\"victim\"]' WHERE status = 'paused'")


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("version")
        batch.drop_column("holds")
