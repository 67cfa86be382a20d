"""Intake's tables. Intake is the system of record for people; their details are stored
sealed (see adapters/vault.py), never in plain text."""
from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, MetaData, String, Table

metadata = MetaData()

people = Table(
    "people", metadata,
    Column("person_id", String(64), primary_key=True),
    Column("sealed", JSON, nullable=True),  # null once erased
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("erased_at", DateTime(timezone=True), nullable=True),
)

# Keyed hashes of a person's email and phone, to recognise a repeated request.
person_lookups = Table(
    "person_lookups", metadata,
    Column("lookup", String(128), primary_key=True),
    Column("person_id", String(64), ForeignKey("people.person_id"), primary_key=True),
)

cases = Table(
    "cases", metadata,
    Column("case_id", String(64), primary_key=True),
    Column("reference", String(32), nullable=False, unique=True),
    Column("requester_id", String(64), nullable=False, index=True),
    Column("cdcr_number", String(16), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("sealed_details", JSON, nullable=False),  # offender names as told, notes
    Column("holds", JSON, nullable=False, server_default="[]"),
    Column("version", Integer, nullable=False, server_default="0"),
)

registrations = Table(
    "registrations", metadata,
    Column("registration_id", String(64), primary_key=True),
    Column("registrant_id", String(64), nullable=False, index=True),
    Column("relationship", String(32), nullable=False),
    Column("cdcr_number", String(16), nullable=False, index=True),
    Column("notify_on", JSON, nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
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
