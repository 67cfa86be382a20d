"""People (sealed), their lookups, cases, registrations, reference counters, webhook
receipts, and the outbox and inbox.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

from vod_shared.migrations import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables()
    op.create_table(
        "people",
        sa.Column("person_id", sa.String(64), primary_key=True),
        sa.Column("sealed", sa.JSON, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "person_lookups",
        sa.Column("lookup", sa.String(128), primary_key=True),
        sa.Column("person_id", sa.String(64), sa.ForeignKey("people.person_id"), primary_key=True),
    )
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("reference", sa.String(32), nullable=False, unique=True),
        sa.Column("requester_id", sa.String(64), nullable=False, index=True),
        sa.Column("cdcr_number", sa.String(16), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sealed_details", sa.JSON, nullable=False),
    )
    op.create_table(
        "registrations",
        sa.Column("registration_id", sa.String(64), primary_key=True),
        sa.Column("registrant_id", sa.String(64), nullable=False, index=True),
        sa.Column("relationship", sa.String(32), nullable=False),
        sa.Column("cdcr_number", sa.String(16), nullable=False, index=True),
        sa.Column("notify_on", sa.JSON, nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "reference_counters",
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("last_number", sa.Integer, nullable=False),
    )
    op.create_table(
        "webhook_receipts",
        sa.Column("webhook_id", sa.String(255), primary_key=True),
        sa.Column("endpoint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("response", sa.JSON, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("webhook_receipts", "reference_counters", "registrations", "cases",
                  "person_lookups", "people"):
        op.drop_table(table)
    drop_messaging_tables()
