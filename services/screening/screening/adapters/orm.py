"""Screening's tables. The domain never sees them: repositories translate."""
from sqlalchemy import (
    false,
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from vod_shared.audit_log import audit_log_table

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
    # From the request (RequestReceived): the case's reference and who asked (a person id).
    Column("reference", String(32), nullable=True),
    Column("requester_id", String(64), nullable=True),
    Column("paused", Boolean, nullable=False, server_default="0"),
    Column("decided_by", String(64), nullable=True),
    # The suitability screening: the four findings, the outcome and its reason codes.
    Column("screening_outcome", String(16), nullable=True),
    Column("screening_findings", JSON, nullable=True),
    Column("screening_reasons", JSON, nullable=True),
    Column("indirect_path_offered", Boolean, nullable=True),
    Column("screened_by", String(64), nullable=True),
    Column("screened_at", DateTime(timezone=True), nullable=True),
    # What intake sealed for screening about the request (whether the victim lives outside
    # California): kept sealed, opened only for a staff page; forgotten when the requester is.
    Column("logistics", JSON, nullable=True),
    Index("ix_cases_offender_status", "cdcr_number", "status"),
    Index("ix_cases_requester", "requester_id"),
    Index("ix_cases_queue", "status", "outcome", "decided_at"),
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

_SEQ = BigInteger().with_variant(Integer, "sqlite")

# Gate clearances, one per visitor, facility and request.
clearances = Table(
    "clearances", metadata,
    Column("clearance_id", String(64), primary_key=True),
    Column("case_id", String(64), nullable=False, index=True),
    Column("visitor_id", String(64), nullable=False),
    Column("visitor_role", String(16), nullable=False),
    Column("facility_code", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("requested_by", String(64), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("decided_by", String(64), nullable=True),
    Column("expires_on", Date, nullable=True),
    Column("reason", String(64), nullable=True),
    Index("ix_clearances_status_expiry", "status", "expires_on"),
)

# The read model, built only from events. Each case's story, one line per event...
case_timeline = Table(
    "case_timeline", metadata,
    Column("seq", _SEQ, primary_key=True, autoincrement=True),
    Column("case_id", String(64), nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("event_type", String(128), nullable=False),
    Column("source", String(128), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("summary", Text, nullable=False),
    # The event's one code the reports count by (an outcome, a reason code); never free text.
    Column("code", String(64), nullable=True),
    UniqueConstraint("case_id", "event_id", name="uq_case_timeline_event"),
    Index("ix_case_timeline_case", "case_id", "occurred_at"),
)

# Possible duplicates intake found (a new case sharing a contact with another open case about the
# same offender), and what a person decided. What the two share, as codes; never the values.
possible_duplicates = Table(
    "possible_duplicates", metadata,
    Column("case_id", String(64), primary_key=True),  # the newer case, decided on
    Column("other_case_id", String(64), primary_key=True),
    Column("overlaps", JSON, nullable=False),
    Column("found_at", DateTime(timezone=True), nullable=False),
    Column("found_event_id", String(64), nullable=False),
    Column("decision", String(32), nullable=True),  # None: waiting for a person
    Column("decided_by", String(64), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("resolved_event_id", String(64), nullable=True),
    Index("ix_possible_duplicates_other", "other_case_id"),
)

# ...who visits for each case (the victim, support persons, the assigned facilitators, with the
# staff account a facilitator signs in as)...
case_visitors = Table(
    "case_visitors", metadata,
    Column("case_id", String(64), primary_key=True),
    Column("visitor_id", String(64), primary_key=True),
    Column("role", String(16), primary_key=True),
    Column("staff_account", String(64), nullable=True),
    Column("since", DateTime(timezone=True), nullable=False),
    Index("ix_case_visitors_account", "staff_account"),
)

# ...and people's details, sealed as they came on the people topic (opened only for a page).
people = Table(
    "people", metadata,
    Column("person_id", String(64), primary_key=True),
    Column("sealed", JSON, nullable=True),  # None once erased
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("erased_at", DateTime(timezone=True), nullable=True),
)

# Append-only (the store refuses UPDATE and DELETE): every read of a victim's record, every
# decision, every refused attempt.
audit_log = audit_log_table(metadata)

# A read model of every service's audit entries (vod.audit), for admins' one page of them all;
# a service's entry is there once, whatever the redeliveries.
audit_everywhere = Table(
    "audit_everywhere", metadata,
    Column("service", String(16), primary_key=True),
    Column("entry_seq", BigInteger, primary_key=True, autoincrement=False),
    # 0, and 1, 2... for other entries told with the same number (migration 0009)
    Column("version", Integer, primary_key=True, autoincrement=False, server_default="0"),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("username", String(64), nullable=True),
    Column("action", String(64), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("case_id", String(64), nullable=True, index=True),
    Column("address", String(64), nullable=False),
    Column("method", String(8), nullable=False),
    Column("path", String(512), nullable=False),
    Column("detail", String(300), nullable=True),
    # more than one entry came with this service's number: see migration 0009
    Column("disputed", Boolean, nullable=False, server_default=false()),
    Index("ix_audit_everywhere_at", "at"),
    Index("ix_audit_everywhere_username", "username", "at"),
)
