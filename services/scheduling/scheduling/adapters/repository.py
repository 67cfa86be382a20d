"""Load and save a whole case (with its meetings, dialogues, clearances, surveys) through the
unit of work's session. Children are rewritten on each save, under the case's row lock."""
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.events import Language, MeetingMode, Party, SurveyStage, Venue, VisitorRole
from vod_shared.turns import take_turn
from vod_shared.unit_of_work import insert_later

from scheduling.adapters import orm
from scheduling.adapters.serialization import (
    as_utc,
    availability_from,
    availability_json,
    holds_from,
    holds_json,
    ready_from,
    ready_json,
    travel_from,
    travel_json,
    utc,
)
from scheduling.domain.clearances import Clearance
from scheduling.domain.intervals import Interval
from scheduling.domain.meetings import Meeting, MeetingStatus
from scheduling.domain.model import Assignment, Case
from scheduling.domain.session import DialogueSession, SessionStatus
from scheduling.domain.stages import ENDED, Stage
from scheduling.domain.surveys import Survey, SurveyStatus

# One statement object, so that a batch's inserts are kept back together (``insert_later``)
_INSERT_CASE = insert(orm.cases)
CHILD_TABLES = (orm.assignments, orm.meetings, orm.sessions, orm.clearances, orm.surveys,
                orm.commitments)
# Cases a list reads at once (``many``): one statement a table for each such chunk, each well
# within any store's bound on a statement's parameters
LIST_CHUNK = 500


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # case id -> its row and children's rows (None: no such case), read ahead by ``load``
        # for a consumer's batch; a case's entry goes when it is written
        self._read_ahead: dict[str, tuple | None] = {}

    async def get(self, case_id: str, *, for_update: bool = False) -> Case | None:
        if case_id in self._read_ahead:
            found = self._read_ahead[case_id]
            return self._case(*found) if found else None
        query = select(orm.cases).where(orm.cases.c.case_id == case_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).first()
        return await self._load(row) if row else None

    async def load(self, case_ids: Iterable[str]) -> None:
        """Reads these cases and their children in one statement per table; ``get`` then
        answers from them until a case is written. Only for a transaction holding the store's
        write lock (SQLite): no one else changes them meanwhile."""
        wanted = set(case_ids) - self._read_ahead.keys()
        if not wanted:
            return
        found = await self._rows(wanted)
        for case_id in wanted:
            self._read_ahead[case_id] = found.get(case_id)

    async def many(self, case_ids: Sequence[str]) -> list[Case]:
        """These cases (those there are), in the order asked: for lists. ``LIST_CHUNK`` at a
        time, one statement a table each, the loop taking its turns between chunks (a case at a
        time is six statements: a coordinator's list of 3,000 cases was 18,000, the service's
        loop held for seconds). What was decided before the first read (who may see which
        case) may have changed by a later chunk's: a caller filters what it gets."""
        cases = []
        for start in range(0, len(case_ids), LIST_CHUNK):
            chunk = case_ids[start:start + LIST_CHUNK]
            if start:
                await take_turn()
            found = await self._rows(set(chunk))
            cases += [self._case(*found[case_id]) for case_id in chunk if case_id in found]
        return cases

    async def _rows(self, case_ids: set[str]) -> dict[str, tuple]:
        """Each of these cases there is: its row and its children's rows, by table."""
        rows = {row.case_id: row for row in (await self._session.execute(
            select(orm.cases).where(orm.cases.c.case_id.in_(case_ids)))).all()}
        children: dict[str, dict[str, list]] = {
            case_id: {table.name: [] for table in CHILD_TABLES[:-1]} for case_id in rows}
        for table in CHILD_TABLES[:-1] if rows else ():
            for child in (await self._session.execute(
                    select(table).where(table.c.case_id.in_(rows))
                    .order_by(table.c.case_id, _order(table)))).all():
                children[child.case_id][table.name].append(child)
        return {case_id: (row, children[case_id]) for case_id, row in rows.items()}

    async def ids(self, query) -> list[str]:
        return list((await self._session.execute(query)).scalars())

    async def open_for_offender(self, cdcr_number: str) -> list[str]:
        return await self.ids(select(orm.cases.c.case_id).where(
            orm.cases.c.cdcr_number == cdcr_number,
            orm.cases.c.stage.not_in([Stage.WITHDRAWN.value, Stage.CLOSED.value]))
            .order_by(orm.cases.c.opened_at))

    async def requested_by(self, person_id: str) -> list[str]:
        """Every case this person requested (RequestReceived.requester_id), ended or not."""
        return await self.ids(select(orm.cases.c.case_id).where(
            orm.cases.c.victim_id == person_id).order_by(orm.cases.c.opened_at))

    async def waiting_for_facilitator(self) -> list[str]:
        """The wait list, longest waiting first."""
        return await self.ids(select(orm.cases.c.case_id).where(
            orm.cases.c.stage == Stage.WAITING_FOR_FACILITATOR.value)
            .order_by(orm.cases.c.waiting_since, orm.cases.c.case_id))

    async def with_due_work(self, now: datetime, limit: int = 50) -> list[str]:
        return await self.ids(select(orm.cases.c.case_id).where(orm.cases.c.next_due_at <= utc(now))
                              .order_by(orm.cases.c.next_due_at).limit(limit))

    async def all_ids(self) -> list[str]:
        return await self.ids(select(orm.cases.c.case_id).order_by(orm.cases.c.opened_at))

    async def assigned_to(self, facilitator_id: str) -> list[str]:
        """The cases this facilitator is on now, oldest first: one read of two columns, not
        every case loaded (the list is filtered here: a JSON column, read alike on SQLite and
        PostgreSQL)."""
        c = orm.cases.c
        rows = await self._session.execute(
            select(c.case_id, c.facilitator_ids).order_by(c.opened_at, c.case_id))
        return [case_id for case_id, ids in rows if facilitator_id in (ids or ())]

    async def newest_first(self, *, page: int, size: int,
                           facilitator_id: str | None = None) -> tuple[int, int, list[str]]:
        """One page of the cases, newest first (a facilitator's: only those they are on now):
        how many cases there are in all, the page (a page past the last is the last), its ids."""
        if facilitator_id is not None:
            ids = await self.assigned_to(facilitator_id)
            total = len(ids)
        else:
            total = (await self._session.execute(
                select(func.count()).select_from(orm.cases))).scalar_one()
        page = max(1, min(page, -(-total // size)))
        if facilitator_id is not None:
            newest = ids[::-1]
            return total, page, newest[(page - 1) * size:page * size]
        c = orm.cases.c
        return total, page, await self.ids(
            select(c.case_id).order_by(c.opened_at.desc(), c.case_id.desc())
            .limit(size).offset((page - 1) * size))

    async def open_with_facilitators(self, facilitator_id: str | None = None) -> list[dict]:
        """The open cases with facilitators (one facilitator's, if given), oldest first: the id,
        reference and stage of each, in one read, none of them loaded whole."""
        c = orm.cases.c
        rows = await self._session.execute(
            select(c.case_id, c.reference, c.stage, c.facilitator_ids)
            .where(c.stage.not_in([s.value for s in ENDED])).order_by(c.opened_at, c.case_id))
        return [{"case_id": row.case_id, "reference": row.reference, "stage": row.stage}
                for row in rows if row.facilitator_ids and
                (facilitator_id is None or facilitator_id in row.facilitator_ids)]

    async def references(self, case_ids: Iterable[str]) -> dict[str, str | None]:
        """The reference of each of these cases there is."""
        wanted, found = list(set(case_ids)), {}
        for start in range(0, len(wanted), LIST_CHUNK):
            found |= dict((await self._session.execute(
                select(orm.cases.c.case_id, orm.cases.c.reference).where(
                    orm.cases.c.case_id.in_(wanted[start:start + LIST_CHUNK])))).all())
        return found

    async def load_by_facilitator(self) -> dict[str, int]:
        """How many open cases each facilitator carries."""
        rows = await self._session.execute(select(orm.cases.c.facilitator_ids).where(
            orm.cases.c.stage.not_in([s.value for s in ENDED])))
        load: dict[str, int] = {}
        for (ids,) in rows:
            for facilitator_id in ids or ():
                load[facilitator_id] = load.get(facilitator_id, 0) + 1
        return load

    async def add(self, case: Case) -> None:
        """Adds the case (with the others of a consumer's batch: ``insert_later``)."""
        self._read_ahead.pop(case.case_id, None)
        await insert_later(self._session, _INSERT_CASE, dict(
            case_id=case.case_id, cdcr_number=case.cdcr_number, opened_at=utc(case.opened_at),
            **self._columns(case)))
        await self._save_children(case)

    async def save(self, case: Case) -> None:
        self._read_ahead.pop(case.case_id, None)
        await self._session.execute(update(orm.cases).where(orm.cases.c.case_id == case.case_id)
                                    .values(**self._columns(case)))
        for table in CHILD_TABLES:
            await self._session.execute(delete(table).where(table.c.case_id == case.case_id))
        await self._save_children(case)

    @staticmethod
    def _columns(case: Case) -> dict:
        return dict(
            stage=case.stage.value, updated_at=utc(case.updated_at or case.opened_at),
            reference=case.reference, victim_id=case.victim_id, language=case.language.value,
            travel_offered=case.travel_offered, details_erased=case.details_erased,
            facility_code=case.facility_code, on_parole=case.on_parole, custody_as_of=utc(case.custody_as_of),
            facilitator_ids=list(case.facilitator_ids), waiting_since=utc(case.waiting_since),
            ready=ready_json(case.ready), holds=holds_json(case.holds),
            support_person_ids=list(case.support_person_ids),
            support_persons_removed=list(case.support_persons_removed),
            victim_hours=availability_json(case.victim_hours), travel=travel_json(case.travel),
            end_reason=case.end_reason, ended_at=utc(case.ended_at),
            next_due_at=utc(case.next_due_at()))

    async def _save_children(self, case: Case) -> None:
        rows = {
            orm.assignments: [dict(case_id=case.case_id, position=n, reason=a.reason,
                                   facilitator_ids=list(a.facilitator_ids), at=utc(a.at))
                              for n, a in enumerate(case.assignments)],
            orm.meetings: [_meeting_row(case.case_id, m) for m in case.meetings],
            orm.sessions: [_session_row(case.case_id, n, s) for n, s in enumerate(case.sessions)],
            orm.clearances: [_clearance_row(case.case_id, n, c)
                             for n, c in enumerate(case.clearances)],
            orm.surveys: [_survey_row(case.case_id, s) for s in case.surveys],
            orm.commitments: [dict(facilitator_id=c.facilitator_id, ref_id=c.ref_id,
                                   case_id=c.case_id, kind=c.kind, starts_at=utc(c.when.start),
                                   ends_at=utc(c.when.end)) for c in case.commitments()],
        }
        for table, values in rows.items():
            if values:
                await self._session.execute(insert(table), values)
        if case.alerts:
            await self._session.execute(insert(orm.alerts), [
                dict(alert_id=a.alert_id, case_id=a.case_id, kind=a.kind, detail=a.detail,
                     at=utc(a.at)) for a in case.alerts])
            case.alerts.clear()

    async def _load(self, row) -> Case:
        case_id = row.case_id
        children = {}
        for table in CHILD_TABLES[:-1]:
            children[table.name] = (await self._session.execute(
                select(table).where(table.c.case_id == case_id).order_by(_order(table)))).all()
        return self._case(row, children)

    @staticmethod
    def _case(row, children: dict[str, list]) -> Case:
        case_id = row.case_id
        meetings = sorted((_meeting(m) for m in children["meetings"]), key=lambda m: m.when.start)
        surveys = sorted((_survey(s) for s in children["surveys"]),
                         key=lambda s: (s.due_at, s.party))
        return Case(
            case_id=case_id, cdcr_number=row.cdcr_number, opened_at=as_utc(row.opened_at),
            stage=Stage(row.stage), reference=row.reference, victim_id=row.victim_id,
            language=Language(row.language),
            travel_offered=row.travel_offered, details_erased=row.details_erased,
            facility_code=row.facility_code,
            on_parole=row.on_parole, custody_as_of=as_utc(row.custody_as_of),
            facilitator_ids=tuple(row.facilitator_ids or ()),
            assignments=[Assignment(tuple(a.facilitator_ids), as_utc(a.at), a.reason)
                         for a in children["assignments"]],
            waiting_since=as_utc(row.waiting_since), ready=ready_from(row.ready),
            holds=holds_from(row.holds), meetings=meetings,
            sessions=[_session(s) for s in children["sessions"]],
            clearances=[_clearance(c) for c in children["clearances"]],
            support_person_ids=list(row.support_person_ids or ()),
            support_persons_removed=list(row.support_persons_removed or ()),
            victim_hours=availability_from(row.victim_hours), travel=travel_from(row.travel),
            surveys=surveys, end_reason=row.end_reason, ended_at=as_utc(row.ended_at),
            updated_at=as_utc(row.updated_at))


def _order(table):
    return table.c.position if "position" in table.c else list(table.primary_key)[0]


def _interval(row) -> Interval:
    return Interval(as_utc(row.starts_at), as_utc(row.ends_at))


def _meeting_row(case_id: str, m: Meeting) -> dict:
    return dict(meeting_id=m.meeting_id, case_id=case_id, party=m.party.value, mode=m.mode.value,
                starts_at=utc(m.when.start), ends_at=utc(m.when.end),
                facilitator_ids=list(m.facilitator_ids), place=m.place, follow_up=m.follow_up,
                status=m.status.value, outcome=m.outcome, sequence=m.sequence,
                cancel_reason=m.cancel_reason)


def _meeting(r) -> Meeting:
    return Meeting(r.meeting_id, Party(r.party), MeetingMode(r.mode), _interval(r),
                   tuple(r.facilitator_ids), r.place, r.follow_up, MeetingStatus(r.status),
                   r.outcome, r.sequence, r.cancel_reason)


def _session_row(case_id: str, position: int, s: DialogueSession) -> dict:
    return dict(session_id=s.session_id, case_id=case_id, position=position,
                starts_at=utc(s.when.start), ends_at=utc(s.when.end), venue=s.venue.value,
                time_zone=s.time_zone, facilitator_ids=list(s.facilitator_ids),
                facility_code=s.facility_code, place=s.place, status=s.status.value,
                sequence=s.sequence, cancel_reason=s.cancel_reason, held_at=utc(s.held_at))


def _session(r) -> DialogueSession:
    return DialogueSession(r.session_id, _interval(r), Venue(r.venue), r.time_zone,
                           tuple(r.facilitator_ids), r.facility_code, r.place,
                           SessionStatus(r.status), r.sequence, r.cancel_reason, as_utc(r.held_at))


def _clearance_row(case_id: str, position: int, c: Clearance) -> dict:
    return dict(clearance_id=c.clearance_id, granted=c.granted, case_id=case_id, position=position,
                visitor_id=c.visitor_id, visitor_role=c.visitor_role.value,
                facility_code=c.facility_code, expires_on=c.expires_on, reason=c.reason,
                decided_at=utc(c.decided_at), voided=c.voided)


def _clearance(r) -> Clearance:
    return Clearance(r.clearance_id, r.visitor_id, VisitorRole(r.visitor_role), r.facility_code,
                     r.granted, as_utc(r.decided_at), r.expires_on, r.reason, r.voided)


def _survey_row(case_id: str, s: Survey) -> dict:
    return dict(survey_id=s.survey_id, case_id=case_id, party=s.party.value, stage=s.stage.value,
                due_at=utc(s.due_at), status=s.status.value, sent_at=utc(s.sent_at),
                answers=s.answers, answered_at=utc(s.answered_at))


def _survey(r) -> Survey:
    return Survey(r.survey_id, Party(r.party), SurveyStage(r.stage), as_utc(r.due_at),
                  SurveyStatus(r.status), as_utc(r.sent_at), dict(r.answers or {}),
                  as_utc(r.answered_at))
