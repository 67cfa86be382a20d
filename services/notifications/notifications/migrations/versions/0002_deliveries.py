"""Contacts (sealed), cases, registrations, custody changes, deliveries, SMS opt-outs,
inbound texts and case events parked until their case arrives.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID, _WHEN = sa.String(64), sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("person_id", _ID, primary_key=True),
        sa.Column("sealed", sa.Text, nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False))
    op.create_table(
        "erased_people",
        sa.Column("person_id", _ID, primary_key=True),
        sa.Column("erased_at", _WHEN, nullable=False))
    op.create_table(
        "cases",
        sa.Column("case_id", _ID, primary_key=True),
        sa.Column("reference", sa.String(32), nullable=False),
        sa.Column("requester_id", _ID, nullable=False, index=True),
        sa.Column("cdcr_number", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("state", sa.String(16), nullable=False))
    op.create_table(
        "registrations",
        sa.Column("registration_id", _ID, primary_key=True),
        sa.Column("registrant_id", _ID, nullable=False, index=True),
        sa.Column("relationship", sa.String(32), nullable=False),
        sa.Column("cdcr_number", sa.String(16), nullable=False, index=True),
        sa.Column("notify_on", sa.String(255), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("received_at", _WHEN, nullable=False))
    op.create_table(
        "custody_changes",
        sa.Column("event_id", _ID, primary_key=True),
        sa.Column("cdcr_number", sa.String(16), nullable=False, index=True),
        sa.Column("reported_at", _WHEN, nullable=False),
        sa.Column("payload", sa.Text, nullable=False))
    _create_deliveries()
    op.create_table(
        "sms_opt_outs",
        sa.Column("person_id", _ID, primary_key=True),
        sa.Column("since", _WHEN, nullable=False))
    op.create_table(
        "inbound_sms",
        sa.Column("message_sid", _ID, primary_key=True),
        sa.Column("person_id", _ID, nullable=True, index=True),
        sa.Column("received_at", _WHEN, nullable=False),
        sa.Column("reply", sa.String(16), nullable=False),
        sa.Column("sealed", sa.Text, nullable=False))
    op.create_table(
        "parked_events",
        sa.Column("event_id", _ID, primary_key=True),
        sa.Column("case_id", _ID, nullable=False, index=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("parked_at", _WHEN, nullable=False))


def _create_deliveries() -> None:
    op.create_table(
        "deliveries",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("id", _ID, nullable=False, unique=True),
        sa.Column("cause_event_id", _ID, nullable=False),
        sa.Column("recipient_id", _ID, nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("template", sa.String(64), nullable=False),
        sa.Column("subject", _ID, nullable=False, index=True),
        sa.Column("reference", sa.String(32), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due_at", _WHEN, nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("first_attempt_at", _WHEN, nullable=True),
        sa.Column("sending_since", _WHEN, nullable=True),
        sa.Column("finished_at", _WHEN, nullable=True),
        sa.Column("provider_id", sa.String(128), nullable=True),
        sa.Column("reason", sa.String(255), nullable=True),
        sa.UniqueConstraint("cause_event_id", "recipient_id", "channel", "template",
                            name="uq_deliveries_once"))
    op.create_index("ix_deliveries_due", "deliveries", ["status", "due_at"])
    op.create_index("ix_deliveries_recipient", "deliveries", ["recipient_id", "channel", "seq"])


def downgrade() -> None:
    for name in ("parked_events", "inbound_sms", "sms_opt_outs", "deliveries", "custody_changes",
                 "registrations", "cases", "erased_people", "contacts"):
        op.drop_table(name)
