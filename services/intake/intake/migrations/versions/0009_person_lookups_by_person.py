"""An index on a person's contacts by person: reading them (her page, a repeated request, an
erasure) went through the whole table, a cost that grew with every person stored.

Revision ID: 0009_person_lookups_by_person
Revises: 0008_support_persons
"""
from alembic import op

revision = "0009_person_lookups_by_person"
down_revision = "0008_support_persons"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_person_lookups_person", "person_lookups", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_person_lookups_person", table_name="person_lookups")
