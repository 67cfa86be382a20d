"""The custody registry's history, webhook receipts, and whether a case is still open.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("status", sa.String(16), nullable=False,
                                     server_default="open"))
    op.add_column("cases", sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE cases SET status = 'ineligible', ended_at = decided_at"
               " WHERE outcome = 'ineligible' AND reason <> 'escaped'")
    op.create_index("ix_cases_offender_status", "cases", ["cdcr_number", "status"])
    op.add_column("custody_records", sa.Column("effective_at", sa.DateTime(timezone=True),
                                               nullable=True))
    op.add_column("custody_records", sa.Column("last_change_id", sa.String(64), nullable=True))
    op.create_table(
        "custody_changes",
        sa.Column("change_id", sa.String(64), primary_key=True),
        sa.Column("cdcr_number", sa.String(16), nullable=False),
        sa.Column("change", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("facility_code", sa.String(16), nullable=True),
        sa.Column("previous_facility_code", sa.String(16), nullable=True),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hearing_date", sa.Date, nullable=True),
        sa.Column("execution_date", sa.Date, nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("webhook_id", sa.String(255), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_custody_changes_offender", "custody_changes",
                    ["cdcr_number", "effective_at"])
    op.create_table(
        "webhook_receipts",
        sa.Column("webhook_id", sa.String(255), primary_key=True),
        sa.Column("endpoint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("response", sa.JSON, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("webhook_receipts")
    op.drop_index("ix_custody_changes_offender", table_name="custody_changes")
    op.drop_table("custody_changes")
    with op.batch_alter_table("custody_records") as batch:
        batch.drop_column("last_change_id")
        batch.drop_column("effective_at")
    op.drop_index("ix_cases_offender_status", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("ended_at")
        batch.drop_column("status")
