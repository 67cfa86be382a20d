"""Reads across cases: facilitators' commitments, staff alerts, each case's history and its
staff notes."""
from datetime import datetime

from sqlalchemy import insert, null, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.events import EventData
from vod_shared.unit_of_work import insert_later

from scheduling.adapters import orm
from scheduling.adapters.serialization import as_utc, utc
from scheduling.domain.booking import Commitment
from scheduling.domain.intervals import Interval


class Calendar:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def commitments(self, facilitator_ids, *, excluding_case: str | None = None,
                          start: datetime | None = None,
                          end: datetime | None = None) -> list[Commitment]:
        c = orm.commitments.c
        query = select(orm.commitments).where(c.facilitator_id.in_(list(facilitator_ids)))
        if excluding_case:
            query = query.where(c.case_id != excluding_case)
        if start is not None:
            query = query.where(c.ends_at > utc(start))
        if end is not None:
            query = query.where(c.starts_at < utc(end))
        rows = await self._session.execute(query.order_by(c.starts_at))
        return [Commitment(r.facilitator_id, Interval(as_utc(r.starts_at), as_utc(r.ends_at)),
                           r.case_id, r.ref_id, r.kind) for r in rows]

    async def meetings_between(self, start: datetime, end: datetime) -> list:
        m = orm.meetings.c
        return list(await self._session.execute(select(orm.meetings).where(
            m.starts_at < utc(end), m.ends_at > utc(start)).order_by(m.starts_at)))

    async def sessions_between(self, start: datetime, end: datetime) -> list:
        s = orm.sessions.c
        return list(await self._session.execute(select(orm.sessions).where(
            s.starts_at < utc(end), s.ends_at > utc(start)).order_by(s.starts_at)))

    async def session(self, session_id: str):
        return (await self._session.execute(select(orm.sessions).where(
            orm.sessions.c.session_id == session_id))).first()


class Alerts:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def open(self, case_ids: list[str] | None = None) -> list:
        a = orm.alerts.c
        query = select(orm.alerts).where(a.acknowledged_at.is_(None))
        if case_ids is not None:
            query = query.where(a.case_id.in_(case_ids))
        return list(await self._session.execute(query.order_by(a.at.desc())))

    async def for_case(self, case_id: str) -> list:
        a = orm.alerts.c
        return list(await self._session.execute(
            select(orm.alerts).where(a.case_id == case_id).order_by(a.at)))

    async def get(self, alert_id: str):
        return (await self._session.execute(select(orm.alerts).where(
            orm.alerts.c.alert_id == alert_id))).first()

    async def acknowledge(self, alert_id: str, *, by: str, now: datetime) -> None:
        await self._session.execute(update(orm.alerts).where(orm.alerts.c.alert_id == alert_id)
                                    .values(acknowledged_at=utc(now), acknowledged_by=by))


_INSERT_HISTORY = insert(orm.case_history)  # one object: a batch's lines kept back together


class History:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, case_id: str, event: EventData, at: datetime) -> None:
        await insert_later(self._session, _INSERT_HISTORY, dict(
            case_id=case_id, event_type=event.event_name, data=event.model_dump(mode="json"),
            at=utc(at)))

    async def of(self, case_id: str) -> list:
        h = orm.case_history.c
        return list(await self._session.execute(select(orm.case_history).where(
            h.case_id == case_id).order_by(h.id)))


class StaffNotes:
    """Staff's own words on a hold, resume or close, as sealed values (never opened here)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, case_id: str, *, action: str, by: str, reason_code: str, sealed: dict,
                  at: datetime) -> None:
        await self._session.execute(insert(orm.staff_notes).values(
            case_id=case_id, action=action, by=by, reason_code=reason_code, sealed=sealed,
            at=utc(at)))

    async def erase(self, case_id: str) -> None:
        """The case's requester was erased: staff's words about it go (who acted, when and
        the reason code stay)."""
        await self._session.execute(update(orm.staff_notes).where(
            orm.staff_notes.c.case_id == case_id).values(sealed=null()))  # SQL NULL, not JSON

    async def of(self, case_id: str) -> list:
        n = orm.staff_notes.c
        return list(await self._session.execute(select(orm.staff_notes).where(
            n.case_id == case_id).order_by(n.id)))
