"""Everything scheduling keeps: facilitators and their hours, facilities' visiting hours and
blackouts, each case's facilitators (with history), meetings, dialogues, clearances, surveys,
staff alerts, the calendar of commitments, and each case's history.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NEW_TABLES = ("facilitators", "facilities", "assignments", "meetings", "sessions", "commitments",
              "clearances", "surveys", "alerts", "case_history")


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("victim_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("language", sa.String(8), nullable=False, server_default="en"))
        batch.add_column(sa.Column("travel_offered", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("facility_code", sa.String(16), nullable=True))
        batch.add_column(sa.Column("on_parole", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("custody_as_of", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("facilitator_ids", sa.JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("ready", sa.JSON, nullable=False, server_default="{}"))
        batch.add_column(sa.Column("holds", sa.JSON, nullable=False, server_default="{}"))
        batch.add_column(sa.Column("support_person_ids", sa.JSON, nullable=False,
                                   server_default="[]"))
        batch.add_column(sa.Column("victim_hours", sa.JSON, nullable=True))
        batch.add_column(sa.Column("travel", sa.JSON, nullable=True))
        batch.add_column(sa.Column("end_reason", sa.String(64), nullable=True))
        batch.add_column(sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_cases_next_due_at", "cases", ["next_due_at"])
    op.create_index("ix_cases_stage_waiting", "cases", ["stage", "waiting_since"])
    op.create_table(
        "facilitators",
        sa.Column("facilitator_id", sa.String(64), primary_key=True),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("staff_username", sa.String(64), nullable=True, unique=True),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("region", sa.String(64), nullable=True),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("experienced", sa.Boolean, nullable=False),
        sa.Column("availability", sa.JSON, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    )
    op.create_table(
        "facilities",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("region", sa.String(64), nullable=True),
        sa.Column("visiting_hours", sa.JSON, nullable=False),
    )
    op.create_table(
        "assignments",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("facilitator_ids", sa.JSON, nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "meetings",
        sa.Column("meeting_id", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("party", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("facilitator_ids", sa.JSON, nullable=False),
        sa.Column("place", sa.String(200), nullable=True),
        sa.Column("follow_up", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outcome", sa.Text, nullable=True),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("cancel_reason", sa.String(64), nullable=True),
    )
    op.create_index("ix_meetings_case_id", "meetings", ['case_id'])
    op.create_table(
        "sessions",
        sa.Column("session_id", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("venue", sa.String(16), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("facilitator_ids", sa.JSON, nullable=False),
        sa.Column("facility_code", sa.String(16), nullable=True),
        sa.Column("place", sa.String(200), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("cancel_reason", sa.String(64), nullable=True),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_sessions_case_id", "sessions", ['case_id'])
    op.create_table(
        "commitments",
        sa.Column("facilitator_id", sa.String(64), primary_key=True),
        sa.Column("ref_id", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_commitments_when", "commitments", ['facilitator_id', 'starts_at'])
    op.create_index("ix_commitments_case_id", "commitments", ['case_id'])
    op.create_table(
        "clearances",
        sa.Column("clearance_id", sa.String(64), primary_key=True),
        sa.Column("granted", sa.Boolean, primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("visitor_id", sa.String(64), nullable=False),
        sa.Column("visitor_role", sa.String(32), nullable=False),
        sa.Column("facility_code", sa.String(16), nullable=False),
        sa.Column("expires_on", sa.Date, nullable=True),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_clearances_case_id", "clearances", ['case_id'])
    op.create_table(
        "surveys",
        sa.Column("survey_id", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("party", sa.String(16), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_surveys_case_id", "surveys", ['case_id'])
    op.create_table(
        "alerts",
        sa.Column("alert_id", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(64), nullable=True),
    )
    op.create_index("ix_alerts_case_id", "alerts", ['case_id'])
    op.create_index("ix_alerts_open", "alerts", ['acknowledged_at', 'at'])
    op.create_table(
        "case_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_case_history_case_id", "case_history", ['case_id'])


def downgrade() -> None:
    for name in reversed(NEW_TABLES):
        op.drop_table(name)
    op.drop_index("ix_cases_stage_waiting", table_name="cases")
    op.drop_index("ix_cases_next_due_at", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        for column in ("next_due_at", "ended_at", "end_reason", "travel", "victim_hours",
                       "support_person_ids", "holds", "ready", "waiting_since", "facilitator_ids",
                       "custody_as_of", "on_parole", "facility_code", "travel_offered", "language",
                       "victim_id"):
            batch.drop_column(column)
