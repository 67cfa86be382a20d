"""What notifications' staff pages read beyond the repositories (opt-outs, one text), and the
audit log of staff reading what people texted back (appended to only)."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

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
        values = {**entry.__dict__, "address": entry.address[:64], "path": entry.path[:512],
                  "detail": entry.detail[:300] if entry.detail else None}
        await self._session.execute(insert(orm.audit_log).values(**values))

    async def audit_entries(self, limit: int = 200) -> list[AuditEntry]:
        a = orm.audit_log.c
        rows = await self._session.execute(select(orm.audit_log).order_by(a.seq.desc())
                                           .limit(limit))
        return [AuditEntry(r.at, r.username, r.action, r.outcome, r.address, r.method,
                           r.path, r.detail) for r in rows]
