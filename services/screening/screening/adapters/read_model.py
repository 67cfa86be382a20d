"""The read model screening keeps from the events of every topic: each case's timeline, who
visits for it, and people's sealed details. Never a query into another service's store."""
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.db import dialect_insert, insert_or_ignore
from vod_shared.events import SealedDetails, VisitorRole
from vod_shared.unit_of_work import insert_later

from screening.adapters.orm import case_timeline, case_visitors, people
from screening.adapters.repository import as_utc


ROLE_ORDER = {VisitorRole.VICTIM: 0, VisitorRole.SUPPORT_PERSON: 1, VisitorRole.FACILITATOR: 2}


@dataclass(frozen=True)
class TimelineEntry:
    case_id: str
    event_id: str
    event_type: str
    source: str
    occurred_at: datetime
    summary: str
    code: str | None = None


@dataclass(frozen=True)
class CaseVisitor:
    visitor_id: str
    role: VisitorRole
    staff_account: str | None = None


class Timeline:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, entry: TimelineEntry) -> None:
        """Adds the line once: the same event again (a replay, a redelivery) changes nothing."""
        await insert_later(self._session, insert_or_ignore(
            self._session, case_timeline, "case_id", "event_id"), dict(entry.__dict__))

    async def put(self, entry: TimelineEntry) -> None:
        """Adds the line, or gives the one already there these words (a line first written
        from the event alone, then with what screening knows: a possible duplicate's)."""
        statement = dialect_insert(self._session.bind.dialect.name)(
            case_timeline).values(**entry.__dict__)
        await self._session.execute(statement.on_conflict_do_update(
            index_elements=["case_id", "event_id"], set_={"summary": statement.excluded.summary}))

    async def for_reports(self, event_types: list[str], before: datetime) -> list[TimelineEntry]:
        """The lines of these event types that happened before ``before`` (summaries left out:
        a report counts codes)."""
        rows = (await self._session.execute(select(
            case_timeline.c.case_id, case_timeline.c.event_id, case_timeline.c.event_type,
            case_timeline.c.source, case_timeline.c.occurred_at, case_timeline.c.code).where(
                case_timeline.c.event_type.in_(event_types),
                case_timeline.c.occurred_at < before.astimezone(timezone.utc)).order_by(
                    case_timeline.c.occurred_at, case_timeline.c.seq))).all()
        return [TimelineEntry(r.case_id, r.event_id, r.event_type, r.source,
                              as_utc(r.occurred_at), "", r.code) for r in rows]

    async def rewrite(self, case_id: str, event_id: str, summary: str) -> None:
        """New words for a line already there; no line, no change."""
        await self._session.execute(update(case_timeline).where(
            case_timeline.c.case_id == case_id, case_timeline.c.event_id == event_id).values(
                summary=summary))

    async def of_case(self, case_id: str) -> list[TimelineEntry]:
        rows = (await self._session.execute(select(case_timeline).where(
            case_timeline.c.case_id == case_id).order_by(case_timeline.c.occurred_at,
                                                         case_timeline.c.seq))).all()
        return [TimelineEntry(r.case_id, r.event_id, r.event_type, r.source,
                              as_utc(r.occurred_at), r.summary) for r in rows]


class Visitors:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, case_id: str, visitor: CaseVisitor, since: datetime) -> None:
        statement = insert_or_ignore(self._session, case_visitors, "case_id", "visitor_id", "role")
        row = dict(case_id=case_id, visitor_id=visitor.visitor_id, role=visitor.role.value,
                   staff_account=visitor.staff_account, since=since)
        if visitor.staff_account is None:
            await insert_later(self._session, statement, row)  # already there: nothing to do
            return
        added = await self._session.execute(statement, row)
        if added.rowcount == 0:
            # Only an assignment names the account; a clearance request for the same visitor
            # does not, and must not forget it (the facilitator would lose their case).
            await self._session.execute(update(case_visitors).where(
                case_visitors.c.case_id == case_id,
                case_visitors.c.visitor_id == visitor.visitor_id,
                case_visitors.c.role == visitor.role.value).values(
                    staff_account=visitor.staff_account))

    async def remove(self, case_id: str, visitor_id: str, role: VisitorRole) -> None:
        await self._session.execute(delete(case_visitors).where(
            case_visitors.c.case_id == case_id, case_visitors.c.visitor_id == visitor_id,
            case_visitors.c.role == role.value))

    async def replace_facilitators(self, case_id: str, facilitators: list[CaseVisitor],
                                   since: datetime) -> None:
        await self._session.execute(delete(case_visitors).where(
            case_visitors.c.case_id == case_id,
            case_visitors.c.role == VisitorRole.FACILITATOR.value))
        for facilitator in facilitators:
            await self.add(case_id, facilitator, since)

    async def of_case(self, case_id: str) -> list[CaseVisitor]:
        rows = (await self._session.execute(select(case_visitors).where(
            case_visitors.c.case_id == case_id).order_by(case_visitors.c.since))).all()
        visitors = [CaseVisitor(r.visitor_id, VisitorRole(r.role), r.staff_account) for r in rows]
        return sorted(visitors, key=lambda v: ROLE_ORDER[v.role])

    async def cases_of_account(self, username: str) -> list[str]:
        rows = await self._session.scalars(select(case_visitors.c.case_id).where(
            case_visitors.c.staff_account == username,
            case_visitors.c.role == VisitorRole.FACILITATOR.value))
        return list(rows)


class People:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def put(self, person_id: str, sealed: SealedDetails, at: datetime) -> None:
        values = dict(sealed=sealed.model_dump(), updated_at=at)
        updated = await self._session.execute(update(people).where(
            people.c.person_id == person_id, people.c.erased_at.is_(None)).values(**values))
        if updated.rowcount == 0 and await self._exists(person_id) is False:
            await self._session.execute(insert(people).values(person_id=person_id, **values))

    async def erase(self, person_id: str, at: datetime) -> None:
        updated = await self._session.execute(update(people).where(
            people.c.person_id == person_id).values(sealed=None, erased_at=at, updated_at=at))
        if updated.rowcount == 0:  # erased before we ever heard of them: remember it
            await self._session.execute(insert(people).values(
                person_id=person_id, sealed=None, erased_at=at, updated_at=at))

    async def sealed(self, person_id: str) -> SealedDetails | None:
        value = await self._session.scalar(select(people.c.sealed).where(
            people.c.person_id == person_id))
        return SealedDetails.model_validate(value) if value else None

    async def erased(self, person_id: str) -> bool:
        return await self._session.scalar(select(people.c.person_id).where(
            people.c.person_id == person_id, people.c.erased_at.is_not(None))) is not None

    async def _exists(self, person_id: str) -> bool:
        return await self._session.scalar(select(people.c.person_id).where(
            people.c.person_id == person_id)) is not None
