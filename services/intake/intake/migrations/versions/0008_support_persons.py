"""The support persons a victim brings to the dialogue (ids only; their details are people).

Revision ID: 0008_support_persons
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_support_persons"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "support_persons",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("person_id", sa.String(64), primary_key=True),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("support_persons")
