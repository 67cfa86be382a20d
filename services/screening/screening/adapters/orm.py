"""Screening's tables. The domain never sees them: repositories translate."""
from sqlalchemy import Boolean, Column, DateTime, MetaData, String, Table

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
)

# The custody registry: each offender's current status (history comes with the custody feed).
custody_records = Table(
    "custody_records", metadata,
    Column("cdcr_number", String(16), primary_key=True),
    Column("status", String(32), nullable=False),
    Column("facility_code", String(16), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
