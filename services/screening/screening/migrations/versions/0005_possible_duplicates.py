"""Possible duplicates: a new case sharing a contact with another open case about the same
offender (intake's PossibleDuplicateFound), waiting for a person to decide whether one
requester made both (screening's DuplicateResolved).

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "possible_duplicates",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("other_case_id", sa.String(64), primary_key=True),
        sa.Column("overlaps", sa.JSON, nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("found_event_id", sa.String(64), nullable=False),
        sa.Column("decision", sa.String(32), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_event_id", sa.String(64), nullable=True),
    )
    op.create_index("ix_possible_duplicates_other", "possible_duplicates", ["other_case_id"])


def downgrade() -> None:
    op.drop_index("ix_possible_duplicates_other", table_name="possible_duplicates")
    op.drop_table("possible_duplicates")
