"""Every service's audit entries as told on vod.audit: screening's read model of them, for
admins' one page of them all. A service's entry is kept once (its service and number), however
often it is delivered; a different entry told with the same number is kept too, as its own row,
and all of them are marked disputed. Read newest first by when it was written."""
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.audit_log import bounded
from vod_shared.db import insert_or_ignore
from vod_shared.events import AuditRecorded

from screening.adapters.orm import audit_everywhere
from screening.adapters.repository import as_utc


@dataclass(frozen=True)
class ServiceAuditEntry:
    service: str
    entry_seq: int
    at: datetime
    username: str | None
    action: str
    outcome: str  # each service's own codes: done, refused_role, refused_not_now, ...
    case_id: str | None
    address: str
    method: str
    path: str
    detail: str | None
    version: int = 0  # 1, 2...: another entry told with the same number
    disputed: bool = False  # more than one entry was told with this number


ADDED, KEPT_ALREADY, DISPUTED = "added", "kept already", "disputed"
_FIELDS = ("at", "username", "action", "outcome", "case_id", "address", "method", "path",
           "detail")


def _values(told: AuditRecorded) -> dict:
    """An entry as this table keeps it (cut to its columns' widths, as each service's log)."""
    return bounded(dict(at=told.at, username=told.staff, action=told.action,
                        outcome=told.outcome, case_id=told.case_id, address=told.client,
                        method=told.method, path=told.path, detail=told.detail))


def _comparable(values) -> dict:
    """The entry's fields, to compare one told with one kept (the time in UTC)."""
    return {name: values[name].astimezone(timezone.utc).isoformat() if name == "at"
            else values[name] for name in _FIELDS}


class AuditEverywhere:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, told: AuditRecorded) -> str:
        """Keeps one service's entry: ``added``, ``kept already`` (the same entry told again),
        or ``disputed``: another entry was kept with this service's number. Then this one is
        kept too, as its own row, and every entry with that number is marked disputed: nothing
        told is hidden (each is found by its staff member and case, in its time's place), and
        the service's own log says which it wrote."""
        values = _values(told)
        added = await self._session.execute(insert_or_ignore(
            self._session, audit_everywhere, "service", "entry_seq", "version",
            service=told.service, entry_seq=told.entry_seq, version=0, **values))
        if added.rowcount == 1:
            return ADDED
        c = audit_everywhere.c
        same_number = (c.service == told.service, c.entry_seq == told.entry_seq)
        kept = (await self._session.execute(
            select(audit_everywhere).where(*same_number))).all()
        if _comparable(values) in [_comparable({**row._mapping, "at": as_utc(row.at)})
                                   for row in kept]:
            return KEPT_ALREADY
        await self._session.execute(insert(audit_everywhere).values(
            service=told.service, entry_seq=told.entry_seq,
            version=max(row.version for row in kept) + 1, disputed=True, **values))
        await self._session.execute(update(audit_everywhere).where(*same_number).values(
            disputed=True))
        return DISPUTED

    async def entries(self, *, case_id: str | None = None, username: str | None = None,
                      service: str | None = None, limit: int = 100,
                      offset: int = 0) -> tuple[int, list[ServiceAuditEntry]]:
        """Newest first (by when each was written), and how many there are in all."""
        c, where = audit_everywhere.c, []
        if case_id:
            where.append(c.case_id == case_id)
        if username:
            where.append(c.username == username)
        if service:
            where.append(c.service == service)
        total = await self._session.scalar(
            select(func.count()).select_from(audit_everywhere).where(*where))
        rows = (await self._session.execute(select(audit_everywhere).where(*where).order_by(
            c.at.desc(), c.service, c.entry_seq.desc(), c.version).limit(limit).offset(
            offset))).all()
        return total, [ServiceAuditEntry(**{**row._mapping, "at": as_utc(row.at)})
                       for row in rows]
