"""Linked family cases: the joint dialogue each linked case is in (domain.family).

Revision ID: 0012_linked_cases
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_linked_cases"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dialogue_groups",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("group_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_dialogue_groups_group_id", "dialogue_groups", ["group_id"])


def downgrade() -> None:
    op.drop_index("ix_dialogue_groups_group_id", table_name="dialogue_groups")
    op.drop_table("dialogue_groups")
