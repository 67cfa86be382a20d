"""The audit log: appended to, read by admins, never changed (the store refuses it too)."""
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.audit_log import record_audit

from screening.adapters.orm import audit_log
from screening.adapters.repository import as_utc
from screening.domain.audit import AuditEntry, Outcome


class AuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def append(self, entry: AuditEntry) -> None:
        await record_audit(self._session, audit_log, service="screening",
                           values={**entry.__dict__, "outcome": entry.outcome.value})

    async def entries(self, *, case_id: str | None = None, username: str | None = None,
                      limit: int = 200, offset: int = 0) -> tuple[int, list[AuditEntry]]:
        """The newest first, and how many there are in all."""
        where = []
        if case_id:
            where.append(audit_log.c.case_id == case_id)
        if username:
            where.append(audit_log.c.username == username)
        total = await self._session.scalar(
            select(func.count()).select_from(audit_log).where(*where))
        rows = (await self._session.execute(select(audit_log).where(*where).order_by(
            audit_log.c.seq.desc()).limit(limit).offset(offset))).all()
        return total, [AuditEntry(as_utc(r.at), r.username, r.action, Outcome(r.outcome),
                                  r.address, r.case_id, r.method, r.path, r.detail) for r in rows]
