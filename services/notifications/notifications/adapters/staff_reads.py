"""What notifications' staff pages read beyond the repositories (opt-outs, one text), and the
audit log of staff reading what people texted back (appended to only)."""
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.audit_log import record_audit

from notifications.adapters import orm


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    username: str | None  # None: nobody signed in
    action: str           # text.read
    outcome: str          # done | refused_unauthenticated | refused_role | refused_not_found
    address: str
    method: str = ""
    path: str = ""
    detail: str | None = None
    case_id: str | None = None


class StaffReads:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def opt_outs(self, limit: int = 200) -> list:
        o = orm.sms_opt_outs.c
        return list(await self._session.execute(
            select(o.person_id, o.since).order_by(o.since.desc()).limit(limit)))

    async def text(self, message_sid: str):
        return (await self._session.execute(select(orm.inbound_sms).where(
            orm.inbound_sms.c.message_sid == message_sid))).first()

    async def audit(self, entry: AuditEntry) -> None:
        await record_audit(self._session, orm.audit_log, service="notifications",
                           values=dict(entry.__dict__))

    async def audit_entries(self, *, start: datetime | None = None, end: datetime | None = None,
                            limit: int = 200, offset: int = 0) -> tuple[int, list[AuditEntry]]:
        """Newest first, within [start, end), and how many there are in all."""
        a, where = orm.audit_log.c, []
        if start is not None:
            where.append(a.at >= start)
        if end is not None:
            where.append(a.at < end)
        total = await self._session.scalar(
            select(func.count()).select_from(orm.audit_log).where(*where))
        rows = await self._session.execute(select(orm.audit_log).where(*where)
                                           .order_by(a.seq.desc()).limit(limit).offset(offset))
        return total, [AuditEntry(_utc(r.at), r.username, r.action, r.outcome, r.address,
                                  r.method, r.path, r.detail, r.case_id) for r in rows]


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
