"""Notifications' tables. The domain never sees them: repositories translate.

Contact details are kept only as they arrived, sealed under the person's own data key
(``contacts.sealed``; the copies of those keys are in the key book's tables, created by the
migrations); the free text of inbound texts is sealed to this service's own key
(``OWN_SEALED``, re-wrapped after a rotation). Nothing else here names a person.
"""
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from vod_shared.audit_log import audit_log_table
from vod_shared.rotation import OwnSealed

metadata = MetaData()

# Every event notifications has taken in, in order (ids and types only).
observed_events = Table(
    "observed_events", metadata,
    Column("event_id", String(64), primary_key=True),
    Column("event_type", String(255), nullable=False),
    Column("subject", String(255), nullable=False, index=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("observed_at", DateTime(timezone=True), nullable=False),
)

contacts = Table(
    "contacts", metadata,
    Column("person_id", String(64), primary_key=True),
    Column("sealed", Text, nullable=False),  # SealedDetails as JSON, exactly as received
    Column("updated_at", DateTime(timezone=True), nullable=False),  # the event's own time
)

# Ids only: lets an event that arrives after a person's erasure be dropped, not held forever.
erased_people = Table(
    "erased_people", metadata,
    Column("person_id", String(64), primary_key=True),
    Column("erased_at", DateTime(timezone=True), nullable=False),
)

cases = Table(
    "cases", metadata,
    Column("case_id", String(64), primary_key=True),
    Column("reference", String(32), nullable=False),
    Column("requester_id", String(64), nullable=False, index=True),
    Column("cdcr_number", String(16), nullable=False),
    Column("language", String(8), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("state", String(16), nullable=False),
    # Paused because she withdrew from her page, and may still undo it.
    Column("withdrawal_pending", Boolean, nullable=False, server_default=false()),
)

registrations = Table(
    "registrations", metadata,
    Column("registration_id", String(64), primary_key=True),
    Column("registrant_id", String(64), nullable=False, index=True),
    Column("relationship", String(32), nullable=False),
    Column("cdcr_number", String(16), nullable=False, index=True),
    Column("notify_on", String(255), nullable=False),  # comma-separated form-1707 kinds
    Column("language", String(8), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    # Cancelled by the registrant: kept, so that nothing brings it back.
    Column("cancelled_at", DateTime(timezone=True), nullable=True),
)

# Custody changes as received, so that a registration read after a change it predates
# (topics are read independently) still hears of it.
custody_changes = Table(
    "custody_changes", metadata,
    Column("event_id", String(64), primary_key=True),
    Column("cdcr_number", String(16), nullable=False, index=True),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    Column("payload", Text, nullable=False),  # the event's data as JSON: codes and dates only
)

deliveries = Table(
    "deliveries", metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),  # the notification id
    Column("cause_event_id", String(64), nullable=False),
    Column("recipient_id", String(64), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("template", String(64), nullable=False),
    Column("subject", String(64), nullable=False, index=True),
    Column("reference", String(32), nullable=False),
    Column("language", String(8), nullable=False),
    Column("params", Text, nullable=False),
    Column("urgent", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("first_attempt_at", DateTime(timezone=True), nullable=True),
    Column("sending_since", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("provider_id", String(128), nullable=True),
    Column("reason", String(255), nullable=True),  # a code, never a provider's free text
    # On this channel because the recipient preferred it: moved if she prefers another by the
    # time it goes (domain.delivery.channel_now).
    Column("follows_preference", Boolean, nullable=False, server_default=false()),
    # When the SMS provider's status callback said the text reached the handset
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    # One cause, one person, one channel, one message: at most one send, whatever is replayed.
    UniqueConstraint("cause_event_id", "recipient_id", "channel", "template",
                     name="uq_deliveries_once"),
    Index("ix_deliveries_recipient", "recipient_id", "channel", "seq"),
    Index("ix_deliveries_provider_id", "provider_id"),  # the provider's status callbacks
)

# The sender's two ways to what is due (adapters/deliveries.py, _DUE): by the times (a few due
# among many not yet), or along the queue in its order (urgent first, then oldest; due_at in it
# so that a row not yet due is passed over without reading the row) when there is a backlog.
# A batch migration of this table on SQLite recreates its indexes without DESC: drop and
# create ix_deliveries_queue again after one (the sender's plan test notices).
Index("ix_deliveries_due", deliveries.c.status, deliveries.c.channel, deliveries.c.due_at)
Index("ix_deliveries_queue", deliveries.c.status, deliveries.c.channel, deliveries.c.urgent.desc(),
      deliveries.c.seq, deliveries.c.due_at)

# Append-only (the store refuses UPDATE and DELETE): every unknown delivery a staff member
# settled, who, when and how. Delivery ids and codes only: nothing about the person.
delivery_settlements = Table(
    "delivery_settlements", metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("delivery_id", String(64), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("username", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),  # sent | not_sent
    Column("note_code", String(64), nullable=True),
)

sms_opt_outs = Table(
    "sms_opt_outs", metadata,
    Column("person_id", String(64), primary_key=True),
    Column("since", DateTime(timezone=True), nullable=False),
)

inbound_sms = Table(
    "inbound_sms", metadata,
    Column("message_sid", String(64), primary_key=True),
    Column("person_id", String(64), nullable=True, index=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("reply", String(16), nullable=False),  # what it was read as (domain.sms.Reply)
    Column("sealed", Text, nullable=False),  # {"from", "body"} sealed to this service's key
)

# What this service seals for itself: sealed again under its current key after a rotation
# (``python -m notifications.rewrap``), before the previous key is retired.
OWN_SEALED = [OwnSealed(inbound_sms, "sealed", about="message_sid", key="message_sid")]

# Case events read before the request that opened the case (topics are read independently):
# kept until the case arrives, then applied. Events carry ids and codes only.
parked_events = Table(
    "parked_events", metadata,
    # Arrival order: two events parked in the same instant are replayed as they came.
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), autoincrement=True),
    Column("event_id", String(64), nullable=False),
    Column("case_id", String(64), nullable=False, index=True),
    Column("value", Text, nullable=False),  # the CloudEvent as received
    Column("parked_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("seq", name="pk_parked_events"),
    UniqueConstraint("event_id", name="uq_parked_events_event_id"),
)

# Staff reading what people texted back (the number and the words), and every refused try:
# appended to only (migration 0009 makes the store refuse changes and deletions).
audit_log = audit_log_table(metadata)

# The support persons a victim brings to the dialogue, with how to write to them (codes); their
# contact is in ``contacts`` like anyone's. ``removed_at``: the victim no longer wants them.
support_persons = Table(
    "support_persons", metadata,
    Column("case_id", String(64), nullable=False),
    Column("person_id", String(64), nullable=False),
    Column("language", String(8), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("removed_at", DateTime(timezone=True), nullable=True),
    PrimaryKeyConstraint("case_id", "person_id"),
)
