"""The key book: copies of the data keys intake grants notifications (``held_keys``, each
sealed under notifications' own key) and the ids of subjects erased (``erased_subjects``), so
that a person's details open only while her key is held here.

Revision ID: 0007
Revises: 0006
"""
from vod_shared.keybook import create_key_tables, drop_key_tables

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_key_tables()


def downgrade() -> None:
    drop_key_tables()
