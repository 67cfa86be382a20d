"""A withdrawal from her page is part of the case (a hold and the moment it becomes final),
not a table beside it; a pending request names the contact it waits on, so a newer request to
the same contact replaces it; a contact typed beside the proven one is kept apart, unused.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("withdrawal_final_at", sa.DateTime(timezone=True),
                                   nullable=True))
        batch.create_index("ix_cases_withdrawal_final_at", ["withdrawal_final_at"])
    op.execute("UPDATE cases SET withdrawal_final_at = (SELECT final_at FROM pending_withdrawals"
               " WHERE pending_withdrawals.case_id = cases.case_id)")
    op.execute("UPDATE cases SET holds = '[\"withdrawal\"]' WHERE withdrawal_final_at IS NOT NULL")
    op.drop_table("pending_withdrawals")
    with op.batch_alter_table("pending_requests") as batch:
        batch.add_column(sa.Column("contact_key", sa.String(160), nullable=True))
        batch.create_index("ix_pending_requests_contact_key", ["contact_key"])
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("unproven", sa.JSON, nullable=True))
    # "Sign out everywhere" takes back every link made before it: one by one adds nothing.
    op.drop_table("revoked_links")


def downgrade() -> None:
    op.create_table(
        "revoked_links",
        sa.Column("link_id", sa.String(128), primary_key=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("people") as batch:
        batch.drop_column("unproven")
    with op.batch_alter_table("pending_requests") as batch:
        batch.drop_index("ix_pending_requests_contact_key")
        batch.drop_column("contact_key")
    op.create_table(
        "pending_withdrawals",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("final_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_withdrawal_final_at")
        batch.drop_column("withdrawal_final_at")
