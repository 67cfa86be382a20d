"""Notifications' tables."""
from sqlalchemy import Column, DateTime, MetaData, String, Table

metadata = MetaData()

# Every event notifications has taken in, in order: what it will have to tell someone about.
# The recipients, templates and deliveries that act on them come with the notifications issue.
observed_events = Table(
    "observed_events", metadata,
    Column("event_id", String(64), primary_key=True),
    Column("event_type", String(255), nullable=False),
    Column("subject", String(255), nullable=False, index=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("observed_at", DateTime(timezone=True), nullable=False),
)
