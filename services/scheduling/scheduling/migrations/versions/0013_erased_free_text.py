"""Cases whose requester was erased before erasure reached what staff wrote of her meetings:
the places and outcomes of her own meetings (party victim) now read "(erased)", as a new
erasure leaves them. The offender's meetings and the dialogue's venue stay.

Revision ID: 0013_erased_free_text
Revises: 0012_linked_cases
"""
from alembic import op

revision = "0013_erased_free_text"
down_revision = "0012_linked_cases"
branch_labels = None
depends_on = None

_HER_MEETINGS = "party = 'victim' AND case_id IN (SELECT case_id FROM cases WHERE details_erased)"


def upgrade() -> None:
    op.execute(f"UPDATE meetings SET place = '(erased)' WHERE place IS NOT NULL AND {_HER_MEETINGS}")
    op.execute(f"UPDATE meetings SET outcome = '(erased)' WHERE outcome IS NOT NULL "
               f"AND {_HER_MEETINGS}")


def downgrade() -> None:
    pass  # what was erased stays erased
