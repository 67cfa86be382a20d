"""Scheduling's audit log: appended to in the transaction of the decision or read it records,
read by admins, never changed (the store refuses it too). No victim's details: ids, the action,
who, when, from where, the outcome."""
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.audit_log import record_audit

from scheduling.adapters.orm import audit_log
from scheduling.adapters.serialization import as_utc


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    username: str | None
    action: str           # meeting.schedule, session.cancel, letters.read, ...
    outcome: str          # done | refused_not_found | refused_not_now | refused_invalid
    case_id: str | None = None
    address: str = ""
    method: str = ""
    path: str = ""
    detail: str | None = None  # a code or an id, never staff's or the victim's words


@dataclass(frozen=True)
class Origin:
    """Where a staff request came from; set per HTTP request (entrypoints.origin)."""
    address: str = ""
    method: str = ""
    path: str = ""


ORIGIN: ContextVar[Origin] = ContextVar("scheduling_request_origin", default=Origin())


class AuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def append(self, entry: AuditEntry) -> None:
        await record_audit(self._session, audit_log, service="scheduling", values=asdict(entry))

    async def entries(self, *, start: datetime | None = None, end: datetime | None = None,
                      case_id: str | None = None, limit: int = 100,
                      offset: int = 0) -> tuple[int, list[AuditEntry]]:
        """Newest first, within [start, end), and how many there are in all."""
        c, where = audit_log.c, []
        if start is not None:
            where.append(c.at >= start)
        if end is not None:
            where.append(c.at < end)
        if case_id:
            where.append(c.case_id == case_id)
        total = await self._session.scalar(
            select(func.count()).select_from(audit_log).where(*where))
        rows = await self._session.execute(select(audit_log).where(*where)
                                           .order_by(c.seq.desc()).limit(limit).offset(offset))
        return total, [AuditEntry(as_utc(r.at), r.username, r.action, r.outcome, r.case_id,
                                  r.address, r.method, r.path, r.detail) for r in rows]
