"""Every service's audit entries, as told on vod.audit: a read model for admins' one page of
them all (``/staff/audit/everywhere``). One row per service and entry number, so a redelivery
changes nothing. Entries written before this are not there (they were never published).

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_everywhere",
        sa.Column("service", sa.String(16), nullable=False),
        sa.Column("entry_seq", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=True),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("detail", sa.String(300), nullable=True),
        sa.PrimaryKeyConstraint("service", "entry_seq"),
    )
    op.create_index("ix_audit_everywhere_case_id", "audit_everywhere", ["case_id"])
    op.create_index("ix_audit_everywhere_at", "audit_everywhere", ["at"])
    op.create_index("ix_audit_everywhere_username", "audit_everywhere", ["username", "at"])


def downgrade() -> None:
    op.drop_table("audit_everywhere")
