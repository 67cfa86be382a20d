"""Screening's tables. The domain never sees them: repositories translate."""
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)

metadata = MetaData()

cases = Table(
    "cases", metadata,
    Column("case_id", String(64), primary_key=True),
    Column("cdcr_number", String(16), nullable=False, index=True),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("outcome", String(32), nullable=True),
    Column("reason", String(64), nullable=True),
    Column("facility_code", String(16), nullable=True),
    Column("on_parole", Boolean, nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    # open, withdrawn, closed, ineligible: only an open case is decided again.
    Column("status", String(16), nullable=False, server_default="open"),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    Index("ix_cases_offender_status", "cdcr_number", "status"),
)

# The custody registry: each offender's current status...
custody_records = Table(
    "custody_records", metadata,
    Column("cdcr_number", String(16), primary_key=True),
    Column("status", String(32), nullable=False),
    Column("facility_code", String(16), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("effective_at", DateTime(timezone=True), nullable=True),
    Column("last_change_id", String(64), nullable=True),
)

# ...and every change ever reported, in the order it took effect.
custody_changes = Table(
    "custody_changes", metadata,
    Column("change_id", String(64), primary_key=True),
    Column("cdcr_number", String(16), nullable=False),
    Column("change", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("facility_code", String(16), nullable=True),
    Column("previous_facility_code", String(16), nullable=True),
    Column("effective_at", DateTime(timezone=True), nullable=False),
    Column("hearing_date", Date, nullable=True),
    Column("execution_date", Date, nullable=True),
    Column("source", String(16), nullable=False),  # webhook or roster
    Column("webhook_id", String(255), nullable=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Index("ix_custody_changes_offender", "cdcr_number", "effective_at"),
)

# Every webhook-id ever accepted, with the answer given, so a retry gets the same answer.
webhook_receipts = Table(
    "webhook_receipts", metadata,
    Column("webhook_id", String(255), primary_key=True),
    Column("endpoint", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", JSON, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)
