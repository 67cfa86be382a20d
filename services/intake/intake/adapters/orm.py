"""Intake's tables. Intake is the system of record for people."""
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table

metadata = MetaData()

people = Table(
    "people", metadata,
    Column("person_id", String(64), primary_key=True),
    # Names and contact details. TODO(issue 3): encrypted at rest with a configured key.
    Column("details", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

cases = Table(
    "cases", metadata,
    Column("case_id", String(64), primary_key=True),
    Column("reference", String(32), nullable=False, unique=True),
    Column("requester_id", String(64), nullable=False, index=True),
    Column("cdcr_number", String(16), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    # What the requester told us about the offender and in notes. TODO(issue 3): encrypted.
    Column("details", JSON, nullable=False),
)

reference_counters = Table(
    "reference_counters", metadata,
    Column("year", Integer, primary_key=True),
    Column("last_number", Integer, nullable=False),
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
