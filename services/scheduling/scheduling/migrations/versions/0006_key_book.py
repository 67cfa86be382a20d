"""The key book: copies of the data keys intake grants scheduling (``held_keys``, each sealed
under scheduling's own key) and the ids of subjects erased (``erased_subjects``), so that what
intake sealed about a person or a case opens here only while its key is held.

Revision ID: 0006
Revises: 0005
"""
from vod_shared.keybook import create_key_tables, drop_key_tables

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_key_tables()


def downgrade() -> None:
    drop_key_tables()
