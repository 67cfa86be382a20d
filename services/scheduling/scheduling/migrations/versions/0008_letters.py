"""The indirect path's letters: received, reviewed, her choice, handed over or kept in the
letter bank. The letter's words are sealed for scheduling alone (NULL once the case's
requester is erased).

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
        "letters",
        sa.Column("letter_id", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_by", sa.String(64), nullable=False),
        sa.Column("reviewed_by", sa.String(64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("victim_wants", sa.Boolean, nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handover", sa.String(16), nullable=True),
        sa.Column("delivered_by", sa.String(64), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sealed", sa.JSON, nullable=True),
    )
    op.create_index("ix_letters_case_id", "letters", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_letters_case_id", table_name="letters")
    op.drop_table("letters")
