"""The support persons a victim brings to the dialogue (ids and codes: their contact is sealed
in ``contacts`` like anyone's).

Revision ID: 0010_support_persons
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_support_persons"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "support_persons",
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("case_id", "person_id"),
    )


def downgrade() -> None:
    op.drop_table("support_persons")
