"""What intake's staff pages read (lists, newest first, no personal data), and the audit log of
their views of a victim's details (appended to only)."""
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.audit_log import record_audit

from intake.adapters import orm


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    username: str | None  # None: nobody signed in
    action: str           # contact.read
    outcome: str          # done | refused_unauthenticated | refused_role | refused_not_found
    address: str
    case_id: str | None = None
    method: str = ""
    path: str = ""
    detail: str | None = None


class StaffReads:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def pending(self, limit: int = 100) -> list:
        """Public requests still waiting for their email link or texted code."""
        p = orm.pending_requests.c
        return list(await self._session.execute(
            select(p.pending_id, p.channel, p.language, p.attempts, p.created_at, p.expires_at)
            .order_by(p.created_at.desc()).limit(limit)))

    async def cases(self, limit: int = 100) -> list:
        c = orm.cases.c
        return list(await self._session.execute(
            select(c.case_id, c.reference, c.cdcr_number, c.status, c.relationship,
                   c.opened_at, c.holds, c.closed_at)
            .order_by(c.opened_at.desc()).limit(limit)))

    async def registrations(self, limit: int = 100) -> list:
        r = orm.registrations.c
        return list(await self._session.execute(
            select(r.registration_id, r.cdcr_number, r.relationship, r.notify_on,
                   r.registered_at, r.cancelled_at)
            .order_by(r.registered_at.desc()).limit(limit)))

    async def notes(self, case_id: str) -> list:
        n = orm.case_notes.c
        return list(await self._session.execute(
            select(n.author, n.written_at, n.sealed_note).where(n.case_id == case_id)
            .order_by(n.written_at)))

    async def case_details(self, case_id: str):
        c = orm.cases.c
        return await self._session.scalar(select(c.sealed_details).where(c.case_id == case_id))

    async def audit(self, entry: AuditEntry) -> None:
        await record_audit(self._session, orm.audit_log, service="intake",
                           values=dict(entry.__dict__))

    async def audit_entries(self, *, start: datetime | None = None, end: datetime | None = None,
                            case_id: str | None = None, limit: int = 100,
                            offset: int = 0) -> tuple[int, list[AuditEntry]]:
        """Newest first, within [start, end), and how many there are in all."""
        a, where = orm.audit_log.c, []
        if start is not None:
            where.append(a.at >= start)
        if end is not None:
            where.append(a.at < end)
        if case_id:
            where.append(a.case_id == case_id)
        total = await self._session.scalar(
            select(func.count()).select_from(orm.audit_log).where(*where))
        rows = await self._session.execute(select(orm.audit_log).where(*where)
                                           .order_by(a.seq.desc()).limit(limit).offset(offset))
        return total, [AuditEntry(_utc(r.at), r.username, r.action, r.outcome, r.address,
                                  r.case_id, r.method, r.path, r.detail) for r in rows]

    async def audit_of(self, case_id: str) -> list[AuditEntry]:
        a = orm.audit_log.c
        rows = await self._session.execute(select(orm.audit_log).where(a.case_id == case_id)
                                           .order_by(a.seq.desc()))
        return [AuditEntry(r.at, r.username, r.action, r.outcome, r.address, r.case_id,
                           r.method, r.path, r.detail) for r in rows]


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
