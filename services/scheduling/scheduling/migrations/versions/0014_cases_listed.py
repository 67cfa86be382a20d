"""The case lists read a page at a time, newest first: an index in that order.

Revision ID: 0014_cases_listed
Revises: 0013_erased_free_text
"""
from alembic import op

revision = "0014_cases_listed"
down_revision = "0013_erased_free_text"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_opened_at", "cases", ["opened_at", "case_id"])


def downgrade() -> None:
    op.drop_index("ix_cases_opened_at", table_name="cases")
