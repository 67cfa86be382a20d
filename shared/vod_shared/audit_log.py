"""The staff audit log every service keeps of its own: the table's shape (each service's
migrations create it and make the store refuse changes and deletions), and the JSON answer and
query bounds of each service's ``/api/audit`` and ``/staff/audit``. Ids, actions, who, when,
from where and the outcome; never a person's details."""
from datetime import datetime, timezone

from pydantic import BaseModel
from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, MetaData, String, Table

PAGE_SIZE = 100  # entries on one page of ``/staff/audit``


def audit_log_table(metadata: MetaData) -> Table:
    """The ``audit_log`` table in a service's metadata, appended to only."""
    return Table(
        "audit_log", metadata,
        Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
               autoincrement=True),
        Column("at", DateTime(timezone=True), nullable=False),
        Column("username", String(64), nullable=True),
        Column("action", String(64), nullable=False),
        Column("outcome", String(32), nullable=False),
        Column("case_id", String(64), nullable=True, index=True),
        Column("address", String(64), nullable=False),
        Column("method", String(8), nullable=False),
        Column("path", String(512), nullable=False),
        Column("detail", String(300), nullable=True),
        Index("ix_audit_log_username", "username", "at"),
    )


class AuditEntryOut(BaseModel):
    at: datetime
    username: str | None
    action: str
    outcome: str
    case_id: str | None
    address: str
    method: str
    path: str
    detail: str | None


class AuditOut(BaseModel):
    count: int
    items: list[AuditEntryOut]


def utc_bound(moment: datetime | None) -> datetime | None:
    """A query's bound in UTC: entries are stored in UTC (SQLite keeps no offset), and the
    bounds are compared like with like."""
    return moment.astimezone(timezone.utc) if moment else None


def page_count(total: int) -> int:
    """How many pages of PAGE_SIZE the entries fill; one, even when there are none."""
    return max(1, -(-total // PAGE_SIZE))
