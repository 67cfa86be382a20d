"""The staff sign-in state every service shares: sessions, failed sign-ins, used one-time codes.

Revision ID: staff_0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "staff_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_sessions",
        sa.Column("session_hash", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, index=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("credential_stamp", sa.String(64), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "staff_sign_in_failures",
        sa.Column("failure_id", sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                  primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Index("ix_staff_sign_in_failures_username_failed_at", "username", "failed_at"),
    )
    op.create_table(
        "staff_used_codes",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("step", sa.BigInteger, primary_key=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("staff_used_codes")
    op.drop_table("staff_sign_in_failures")
    op.drop_table("staff_sessions")
