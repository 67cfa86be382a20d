"""Cases whose requester was erased before erasure reached meetings' and dialogues' free text:
their places and outcomes now read "(erased)", as a new erasure leaves them.

Revision ID: 0013_erased_free_text
Revises: 0012_linked_cases
"""
from alembic import op

revision = "0013_erased_free_text"
down_revision = "0012_linked_cases"
branch_labels = None
depends_on = None

_ERASED_CASES = "SELECT case_id FROM cases WHERE details_erased"


def upgrade() -> None:
    op.execute(f"UPDATE meetings SET place = '(erased)' WHERE place IS NOT NULL "
               f"AND case_id IN ({_ERASED_CASES})")
    op.execute(f"UPDATE meetings SET outcome = '(erased)' WHERE outcome IS NOT NULL "
               f"AND case_id IN ({_ERASED_CASES})")
    op.execute(f"UPDATE sessions SET place = '(erased)' WHERE place IS NOT NULL "
               f"AND case_id IN ({_ERASED_CASES})")


def downgrade() -> None:
    pass  # what was erased stays erased
