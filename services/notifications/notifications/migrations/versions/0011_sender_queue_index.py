"""The sender's two ways to what is due: ``ix_deliveries_due`` by status, channel and time (was
status and time), and ``ix_deliveries_queue``, the queue in its order (status, channel, urgent
first, then oldest, with ``due_at``), which a backlog walks and leaves at its limit instead of
sorting every due row.

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
    op.drop_index("ix_deliveries_due", "deliveries")
    op.create_index("ix_deliveries_due", "deliveries", ["status", "channel", "due_at"])
    op.create_index("ix_deliveries_queue", "deliveries",
                    ["status", "channel", sa.text("urgent DESC"), "seq", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_queue", "deliveries")
    op.drop_index("ix_deliveries_due", "deliveries")
    op.create_index("ix_deliveries_due", "deliveries", ["status", "due_at"])
