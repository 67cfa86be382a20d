"""Intake's tables. Intake is the system of record for people; their details are stored
sealed (see adapters/vault.py), never in plain text, under the person's (or case's) own data
key (``subject_keys``), so that destroying the key erases every copy."""
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
)

from vod_shared.audit_log import audit_log_table

metadata = MetaData()

people = Table(
    "people", metadata,
    Column("person_id", String(64), primary_key=True),
    Column("sealed", JSON, nullable=True),  # null once erased
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("erased_at", DateTime(timezone=True), nullable=True),
    # "Sign out everywhere": every link to her page made before this no longer opens.
    Column("links_valid_from", DateTime(timezone=True), nullable=True),
    # A contact typed on the public form beside the one proven, sealed for intake alone: never
    # used, nor shown to anyone, until she proves it from her page.
    Column("unproven", JSON, nullable=True),
)

# Keyed hashes of a person's email and phone, to recognise a repeated request. ``confirmed``:
# the person proved they receive there (or a trusted partner or staff member spoke with them).
person_lookups = Table(
    "person_lookups", metadata,
    Column("lookup", String(128), primary_key=True),
    Column("person_id", String(64), ForeignKey("people.person_id"), primary_key=True),
    Column("kind", String(8), nullable=True),  # email | phone; null for rows older than kinds
    Column("confirmed", Boolean, nullable=False, server_default=false()),
    # A person's own contacts (her page, a repeated request, an erasure): the key above
    # starts with the lookup, so without this each read went through every person's rows.
    Index("ix_person_lookups_person", "person_id"),
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
    Column("relationship", String(32), nullable=True),  # null for cases older than the column
    Column("withdrawal_final_at", DateTime(timezone=True), nullable=True, index=True),
    # When screening or scheduling ended it (from their events): the retention period's start.
    Column("closed_at", DateTime(timezone=True), nullable=True, index=True),
)

registrations = Table(
    "registrations", metadata,
    Column("registration_id", String(64), primary_key=True),
    Column("registrant_id", String(64), nullable=False, index=True),
    Column("relationship", String(32), nullable=False),
    Column("cdcr_number", String(16), nullable=False, index=True),
    Column("notify_on", JSON, nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("cancelled_at", DateTime(timezone=True), nullable=True),
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

# A request or registration from the public page, waiting for its contact to be confirmed.
# Everything the form held is sealed for intake alone; the row is deleted on confirmation or
# after 48 hours. The link's token and the code are kept only as hashes.
pending_requests = Table(
    "pending_requests", metadata,
    Column("pending_id", String(64), primary_key=True),
    Column("sealed_form", JSON, nullable=False),
    Column("channel", String(8), nullable=False),
    Column("language", String(4), nullable=False),
    Column("secret_hash", String(128), nullable=False, unique=True),
    # A keyed hash of the contact it waits on (its erasure finds them all).
    Column("contact_key", String(160), nullable=True, index=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
)

# Counters of the public door's limits, one row per key and window, so limits hold across
# restarts and replicas. Keys are codes and keyed hashes, never an address or contact.
rate_hits = Table(
    "rate_hits", metadata,
    Column("key", String(160), primary_key=True),
    Column("window_start", DateTime(timezone=True), primary_key=True),
    Column("hits", Integer, nullable=False),
)

# A change she asked for on her page, waiting for the one-time code sent to her (and, for a new
# contact, then for the code sent to the new address). Sealed for intake alone.
pending_changes = Table(
    "pending_changes", metadata,
    Column("change_id", String(64), primary_key=True),
    Column("person_id", String(64), nullable=False, index=True),
    Column("sealed_change", JSON, nullable=False),
    Column("stage", String(16), nullable=False),  # code_on_file | code_at_new
    Column("code_hash", String(128), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# What notifications told us it sent her (from vod.notifications): when, how and what about,
# never the words. Shown on her page.
messages_sent = Table(
    "messages_sent", metadata,
    Column("notification_id", String(64), primary_key=True),
    Column("person_id", String(64), nullable=False, index=True),
    Column("channel", String(8), nullable=False),
    Column("template", String(64), nullable=False),
    Column("outcome", String(8), nullable=False),  # sent | failed
    Column("at", DateTime(timezone=True), nullable=False),
)

# What staff wrote when they acted on a case for the victim (sealed for intake alone): free
# text is personal data, so events carry no reason for such a step.
case_notes = Table(
    "case_notes", metadata,
    Column("note_id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(64), nullable=False, index=True),
    Column("author", String(64), nullable=False),
    Column("written_at", DateTime(timezone=True), nullable=False),
    Column("sealed_note", JSON, nullable=False),
)

# The support persons a victim brings to the dialogue: who (a person in ``people``, sealed like
# any other) supports whom in which case; ``removed_at`` once the victim no longer wants them
# (their details are erased then; the row stays, ids only, for the case's history).
support_persons = Table(
    "support_persons", metadata,
    Column("case_id", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("added_by", String(64), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("removed_at", DateTime(timezone=True), nullable=True),
)

# One data key per subject (a person, or a case for what its requester wrote), its secret sealed
# by and for intake (about the key id). Every value intake publishes or keeps of the subject is
# under it; deleting the row erases them all (see vod_shared.person_keys).
subject_keys = Table(
    "subject_keys", metadata,
    Column("key_id", String(64), primary_key=True),
    Column("subject_id", String(64), nullable=False, unique=True),
    Column("sealed_secret", Text, nullable=False),  # a SealedDetails, as JSON
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Subjects whose key was destroyed (erased): a key is never made again for them. (Not named
# erased_subjects: that is a reader's table, in vod_shared.keybook, also in the migrations' view.)
subject_keys_destroyed = Table(
    "subject_keys_destroyed", metadata,
    Column("subject_id", String(64), primary_key=True),
    Column("destroyed_at", DateTime(timezone=True), nullable=False),
)

# Every erasure, for the audit: whom (a random id), why (a code), who asked and how, when; the
# subjects whose keys went with the person, and when their grants were tombstoned a second
# time. Never a name or a contact.
erasures = Table(
    "erasures", metadata,
    Column("erasure_id", Integer, primary_key=True, autoincrement=True),
    Column("person_id", String(64), nullable=False, index=True),
    Column("subjects", JSON, nullable=False),  # the case ids erased with her
    Column("reason", String(32), nullable=False),
    Column("by", String(64), nullable=True),  # the staff member's username; none for retention
    Column("via", String(16), nullable=False),  # staff_api | command_line | retention | restore
    Column("at", DateTime(timezone=True), nullable=False),
    Column("tombstoned_again_at", DateTime(timezone=True), nullable=True, index=True),
)

# Staff reading a victim's contact details and notes, and every refused try: appended to only
# (migration 0007 makes the store refuse changes and deletions).
audit_log = audit_log_table(metadata)
