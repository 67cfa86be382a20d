"""One data key per person and per case (``subject_keys``), the subjects whose key was destroyed
(no key is made for them again), the erasure log, and when a case was closed (for retention).

Values stored before this stay sealed under intake's own key and still open; they move under
a subject key when next written.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subject_keys",
        sa.Column("key_id", sa.String(64), primary_key=True),
        sa.Column("subject_id", sa.String(64), nullable=False, unique=True),
        sa.Column("sealed_secret", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "subject_keys_destroyed",
        sa.Column("subject_id", sa.String(64), primary_key=True),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "erasures",
        sa.Column("erasure_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("person_id", sa.String(64), nullable=False, index=True),
        sa.Column("subjects", sa.JSON, nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("by", sa.String(64), nullable=True),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tombstoned_again_at", sa.DateTime(timezone=True), nullable=True, index=True),
    )
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_cases_closed_at", ["closed_at"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_closed_at")
        batch.drop_column("closed_at")
    op.drop_table("erasures")
    op.drop_table("subject_keys_destroyed")
    op.drop_table("subject_keys")
