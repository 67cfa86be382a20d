"""The sender's queue as an index in its order (``ix_deliveries_queue``: status, channel, urgent
first, then oldest, with ``due_at``), in place of ``ix_deliveries_due`` (status, due_at), so
that a read of what is due stops at its limit instead of sorting every due row.

Revision ID: 0011_sender_queue_index
Revises: 0010_support_persons
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_sender_queue_index"
down_revision = "0010_support_persons"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_deliveries_queue", "deliveries",
                    ["status", "channel", sa.text("urgent DESC"), "seq", "due_at"])
    op.drop_index("ix_deliveries_due", "deliveries")


def downgrade() -> None:
    op.create_index("ix_deliveries_due", "deliveries", ["status", "due_at"])
    op.drop_index("ix_deliveries_queue", "deliveries")
