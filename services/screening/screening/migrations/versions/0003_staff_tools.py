"""Screening staff tools: the suitability screening on the case, gate clearances, the read model
(timeline, visitors, sealed people) and the append-only audit log.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer, "sqlite")
CASE_COLUMNS = [
    sa.Column("reference", sa.String(32), nullable=True),
    sa.Column("requester_id", sa.String(64), nullable=True),
    sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("decided_by", sa.String(64), nullable=True),
    sa.Column("screening_outcome", sa.String(16), nullable=True),
    sa.Column("screening_findings", sa.JSON, nullable=True),
    sa.Column("screening_reasons", sa.JSON, nullable=True),
    sa.Column("indirect_path_offered", sa.Boolean, nullable=True),
    sa.Column("screened_by", sa.String(64), nullable=True),
    sa.Column("screened_at", sa.DateTime(timezone=True), nullable=True),
]
APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
    ],
}


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        for column in CASE_COLUMNS:
            batch.add_column(column)
    op.create_index("ix_cases_queue", "cases", ["status", "outcome", "decided_at"])
    op.create_table(
        "clearances",
        sa.Column("clearance_id", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False, index=True),
        sa.Column("visitor_id", sa.String(64), nullable=False),
        sa.Column("visitor_role", sa.String(16), nullable=False),
        sa.Column("facility_code", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("expires_on", sa.Date, nullable=True),
        sa.Column("reason", sa.String(64), nullable=True),
    )
    op.create_index("ix_clearances_status_expiry", "clearances", ["status", "expires_on"])
    op.create_table(
        "case_timeline",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(128), nullable=False),
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.UniqueConstraint("case_id", "event_id", name="uq_case_timeline_event"),
    )
    op.create_index("ix_case_timeline_case", "case_timeline", ["case_id", "occurred_at"])
    op.create_table(
        "case_visitors",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("visitor_id", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(16), primary_key=True),
        sa.Column("staff_account", sa.String(64), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_case_visitors_account", "case_visitors", ["staff_account"])
    op.create_table(
        "people",
        sa.Column("person_id", sa.String(64), primary_key=True),
        sa.Column("sealed", sa.JSON, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=True, index=True),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("detail", sa.String(300), nullable=True),
    )
    op.create_index("ix_audit_log_username", "audit_log", ["username", "at"])
    for statement in APPEND_ONLY.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    op.drop_table("audit_log")
    op.drop_table("people")
    op.drop_index("ix_case_visitors_account", table_name="case_visitors")
    op.drop_table("case_visitors")
    op.drop_index("ix_case_timeline_case", table_name="case_timeline")
    op.drop_table("case_timeline")
    op.drop_index("ix_clearances_status_expiry", table_name="clearances")
    op.drop_table("clearances")
    op.drop_index("ix_cases_queue", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        for column in reversed(CASE_COLUMNS):
            batch.drop_column(column.name)
