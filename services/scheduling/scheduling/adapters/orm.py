"""Scheduling's tables. The domain never sees them: repositories translate.

Lists and small structures (languages, weekly hours, holds) are JSON columns; what is queried
across cases (meetings, sessions, calendars, due work) has its own table or column.
"""
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
    Text,
    false,
    true,
)

from vod_shared.audit_log import audit_log_table
from vod_shared.rotation import OwnSealed

metadata = MetaData()

cases = Table(
    "cases", metadata,
    Column("case_id", String(64), primary_key=True),
    Column("cdcr_number", String(16), nullable=False, index=True),
    Column("reference", String(32), nullable=True),  # from RequestReceived; null until then
    Column("stage", String(32), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("victim_id", String(64), nullable=True, index=True),
    Column("language", String(8), nullable=False, server_default="en"),
    Column("travel_offered", Boolean, nullable=False, server_default=false()),
    Column("details_erased", Boolean, nullable=False, server_default=false()),
    Column("facility_code", String(16), nullable=True),
    Column("on_parole", Boolean, nullable=False, server_default=false()),
    Column("custody_as_of", DateTime(timezone=True), nullable=True),
    Column("facilitator_ids", JSON, nullable=False, server_default="[]"),
    Column("waiting_since", DateTime(timezone=True), nullable=True),
    Column("ready", JSON, nullable=False, server_default="{}"),
    Column("holds", JSON, nullable=False, server_default="{}"),
    Column("support_person_ids", JSON, nullable=False, server_default="[]"),
    Column("support_persons_removed", JSON, nullable=False, server_default="[]"),
    Column("victim_hours", JSON, nullable=True),
    Column("travel", JSON, nullable=True),
    Column("end_reason", String(64), nullable=True),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    # When the due-work loop should next look at the case (a survey, a travel warning).
    Column("next_due_at", DateTime(timezone=True), nullable=True, index=True),
    Index("ix_cases_stage_waiting", "stage", "waiting_since"),
    Index("ix_cases_opened_at", "opened_at", "case_id"),  # the case lists' order
)

facilitators = Table(
    "facilitators", metadata,
    Column("facilitator_id", String(64), primary_key=True),
    Column("display_name", String(120), nullable=False),
    Column("staff_username", String(64), nullable=True, unique=True),
    Column("languages", JSON, nullable=False),
    Column("region", String(64), nullable=True),
    Column("capacity", Integer, nullable=False),
    Column("experienced", Boolean, nullable=False),
    Column("availability", JSON, nullable=False),
    Column("active", Boolean, nullable=False, server_default=true()),
)

facilities = Table(
    "facilities", metadata,
    Column("code", String(16), primary_key=True),
    Column("region", String(64), nullable=True),
    Column("visiting_hours", JSON, nullable=False),
)

assignments = Table(
    "assignments", metadata,
    Column("case_id", String(64), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("facilitator_ids", JSON, nullable=False),
    Column("reason", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

meetings = Table(
    "meetings", metadata,
    Column("meeting_id", String(64), primary_key=True),
    Column("case_id", String(64), nullable=False, index=True),
    Column("party", String(16), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("facilitator_ids", JSON, nullable=False),
    Column("place", String(200), nullable=True),
    Column("follow_up", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("outcome", Text, nullable=True),
    Column("sequence", Integer, nullable=False),
    Column("cancel_reason", String(64), nullable=True),
)

sessions = Table(
    "sessions", metadata,
    Column("session_id", String(64), primary_key=True),
    Column("case_id", String(64), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("venue", String(16), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("facilitator_ids", JSON, nullable=False),
    Column("facility_code", String(16), nullable=True),
    Column("place", String(200), nullable=True),
    Column("status", String(16), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("cancel_reason", String(64), nullable=True),
    Column("held_at", DateTime(timezone=True), nullable=True),
)

# Every facilitator's meetings and dialogues across cases: double booking and calendars.
commitments = Table(
    "commitments", metadata,
    Column("facilitator_id", String(64), primary_key=True),
    Column("ref_id", String(64), primary_key=True),
    Column("case_id", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Index("ix_commitments_when", "facilitator_id", "starts_at"),
)

clearances = Table(
    "clearances", metadata,
    Column("clearance_id", String(64), primary_key=True),
    Column("granted", Boolean, primary_key=True),
    Column("case_id", String(64), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("visitor_id", String(64), nullable=False),
    Column("visitor_role", String(32), nullable=False),
    Column("facility_code", String(16), nullable=False),
    Column("expires_on", Date, nullable=True),
    Column("reason", String(64), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("voided", Boolean, nullable=False, server_default=false()),
)

surveys = Table(
    "surveys", metadata,
    Column("survey_id", String(64), primary_key=True),
    Column("case_id", String(64), nullable=False, index=True),
    Column("party", String(16), nullable=False),
    Column("stage", String(32), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("answers", JSON, nullable=False),
    Column("answered_at", DateTime(timezone=True), nullable=True),
)

alerts = Table(
    "alerts", metadata,
    Column("alert_id", String(64), primary_key=True),
    Column("case_id", String(64), nullable=False, index=True),
    Column("kind", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("acknowledged_at", DateTime(timezone=True), nullable=True),
    Column("acknowledged_by", String(64), nullable=True),
    Index("ix_alerts_open", "acknowledged_at", "at"),
)

# What happened to each case, in order: the events it emitted (ids and codes only).
case_history = Table(
    "case_history", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(64), nullable=False, index=True),
    Column("event_type", String(64), nullable=False),
    Column("data", JSON, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

# Staff's own words when they held, resumed or closed a case: sealed for scheduling alone,
# about the case, and shown only on its staff pages (the events carry the reason code); None
# once the case's requester was erased.
staff_notes = Table(
    "staff_notes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(64), nullable=False, index=True),
    Column("action", String(16), nullable=False),
    Column("by", String(32), nullable=False),
    Column("reason_code", String(64), nullable=False),
    Column("sealed", JSON, nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
)

# The indirect path's letters (domain.letters). ``sealed``: the letter's words, sealed for
# scheduling alone about the case (the revision staff typed in last); None once the case's
# requester was erased. Who received, reviewed and handed it over stays here, never on events.
letters = Table(
    "letters", metadata,
    Column("letter_id", String(64), primary_key=True),
    Column("case_id", String(64), nullable=False, index=True),
    Column("state", String(32), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("received_on", Date, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("received_by", String(64), nullable=False),
    Column("reviewed_by", String(64), nullable=True),
    Column("reviewed_at", DateTime(timezone=True), nullable=True),
    Column("victim_wants", Boolean, nullable=True),
    Column("answered_at", DateTime(timezone=True), nullable=True),
    Column("handover", String(16), nullable=True),
    Column("delivered_by", String(64), nullable=True),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    Column("sealed", JSON, nullable=True),
)

# Linked family cases (domain.family): each case in a joint dialogue, with the group it is in.
# A case leaves by its row being deleted (the audit log and CaseUnlinked keep that it was in).
dialogue_groups = Table(
    "dialogue_groups", metadata,
    Column("case_id", String(64), primary_key=True),
    Column("group_id", String(64), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("linked_at", DateTime(timezone=True), nullable=False),
)

# Every staff decision on a case and every staff read of its personal details, refused tries
# too: ids, action, who, when, from where, outcome; appended to only (migration 0010 makes the
# store refuse changes and deletions).
audit_log = audit_log_table(metadata)

# What scheduling seals for itself: sealed again under its current key after a rotation, by
# ``python -m scheduling.rewrap``, before the previous key is retired.
OWN_SEALED = [OwnSealed(staff_notes, "sealed", about="case_id", key="id"),
              OwnSealed(letters, "sealed", about="case_id", key="letter_id")]
