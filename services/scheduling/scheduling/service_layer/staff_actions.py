"""What staff do through the API and the pages: one keyword-only function per action, each
loading, deciding in the domain and saving inside the unit of work it is given."""
import uuid
from collections.abc import Collection, Sequence
from datetime import date

from vod_shared.events import ActedBy, MeetingMode, Party, Venue

from scheduling.domain.availability import Availability, whole_days
from scheduling.domain.errors import InvalidSchedule, NotFound, NotNow
from scheduling.domain.facilitators import Facilitator
from scheduling.domain.facilities import Facility
from scheduling.domain.holds import PEOPLE_WHO_NEED_A_REASON
from scheduling.domain.holds import reason_code as reason_code_of
from scheduling.domain.intervals import Interval
from scheduling.domain.model import Case
from scheduling.service_layer.assignment import assign_waiting_cases, staff_accounts
from scheduling.service_layer.context import Context
from scheduling.service_layer.unit_of_work import UnitOfWork


async def case_for_update(uow: UnitOfWork, case_id: str) -> Case:
    case = await uow.cases.get(case_id, for_update=True)
    if case is None:
        raise NotFound(f"No case {case_id}.")
    return case


async def booking(uow: UnitOfWork, case: Case, facilitator_ids: Sequence[str], *,
                  linked: Collection[str] = ()) -> dict:
    """The facilitators' hours and their commitments in other cases, locked for the booking.
    ``linked``: cases in one joint dialogue with this one, whose own session rows are that same
    dialogue (facilitators shared between family cases are at the same dialogue), set aside."""
    people = await uow.facilitators.lock(facilitator_ids)
    commitments = await uow.calendar.commitments(facilitator_ids, excluding_case=case.case_id)
    return {"hours": {p.facilitator_id: p.availability for p in people if p.active},
            "commitments": [c for c in commitments
                            if not (c.case_id in linked and c.kind == "session")]}


# -- facilitators and facilities -------------------------------------------------------------

async def add_facilitator(uow: UnitOfWork, ctx: Context, *,
                          facilitator: Facilitator) -> Facilitator:
    username = facilitator.staff_username
    if username and await uow.facilitators.by_username(username) is not None:
        raise NotNow(f"The staff account {username} already acts as a facilitator.")
    await uow.facilitators.add(facilitator)
    await assign_waiting_cases(uow, ctx)
    return facilitator


async def update_facilitator(uow: UnitOfWork, ctx: Context, *, facilitator_id: str,
                             **changes) -> Facilitator:
    person = await uow.facilitators.get(facilitator_id)
    if person is None:
        raise NotFound(f"No facilitator {facilitator_id}.")
    for name, value in changes.items():
        if value is not None:
            setattr(person, name, value)
    person.__post_init__()
    await uow.facilitators.save(person)
    await assign_waiting_cases(uow, ctx)
    return person


async def put_facility(uow: UnitOfWork, ctx: Context, *, facility: Facility) -> Facility:
    await uow.facilities.put(facility)
    return facility


async def black_out_facility(uow: UnitOfWork, ctx: Context, *, code: str, first_day: date,
                             last_day: date, reason: str | None) -> Facility:
    """A lockdown or holiday: no visits those days; dialogues then are flagged to staff."""
    facility = await uow.facilities.get(code)
    if facility is None:
        raise NotFound(f"No facility {code}.")
    facility.black_out(first_day, last_day, reason)
    await uow.facilities.put(facility)
    around = whole_days(first_day, last_day, facility.time_zone)
    for row in await uow.calendar.sessions_between(around.start, around.end):
        if row.facility_code == code:
            case = await case_for_update(uow, row.case_id)
            case.facility_blacked_out(first_day, last_day, now=ctx.clock())
            await uow.save_case(case, topic=ctx.topic)
    return facility


async def assign_facilitators(uow: UnitOfWork, ctx: Context, *, case_id: str,
                              facilitator_ids: tuple[str, ...], reason: str) -> Case:
    """A coordinator's choice: a first assignment from the wait list, or a reassignment."""
    case = await case_for_update(uow, case_id)
    people = []
    for facilitator_id in facilitator_ids:
        if (person := await uow.facilitators.get(facilitator_id)) is None:
            raise NotFound(f"No facilitator {facilitator_id}.")
        people.append(person)
    group_id = await uow.groups.group_of(case_id)
    linked = await uow.groups.members(group_id) if group_id is not None else ()
    case.assign(tuple(facilitator_ids), now=ctx.clock(), reason=reason,
                staff_accounts=staff_accounts(people),
                **await booking(uow, case, facilitator_ids, linked=linked))
    await uow.save_case(case, topic=ctx.topic)
    return case


# -- preparation ------------------------------------------------------------------------------

async def schedule_meeting(uow: UnitOfWork, ctx: Context, *, case_id: str, party: Party,
                           mode: MeetingMode, when: Interval, place: str | None,
                           facilitator_ids: tuple[str, ...] = (), follow_up: bool = False):
    case = await case_for_update(uow, case_id)
    attending = tuple(facilitator_ids) or case.facilitator_ids
    meeting = case.schedule_meeting(
        meeting_id=new_id(), party=party, mode=mode, when=when, place=place, now=ctx.clock(),
        facilitator_ids=attending, follow_up=follow_up, **await booking(uow, case, attending))
    await uow.save_case(case, topic=ctx.topic)
    return meeting


async def reschedule_meeting(uow: UnitOfWork, ctx: Context, *, case_id: str, meeting_id: str,
                             when: Interval, place: str | None):
    case = await case_for_update(uow, case_id)
    attending = case.meeting(meeting_id).facilitator_ids
    meeting = case.reschedule_meeting(meeting_id, when=when, place=place, now=ctx.clock(),
                                      **await booking(uow, case, attending))
    await uow.save_case(case, topic=ctx.topic)
    return meeting


async def on_case(uow: UnitOfWork, ctx: Context, *, case_id: str, act) -> Case:
    """Runs ``act(case, now)`` on the case and saves it: for the one-line steps."""
    case = await case_for_update(uow, case_id)
    act(case, ctx.clock())
    await uow.save_case(case, topic=ctx.topic)
    return case


# -- the dialogue -----------------------------------------------------------------------------

async def schedule_session(uow: UnitOfWork, ctx: Context, *, case_id: str, when: Interval,
                           venue: Venue, place: str | None):
    case = await case_for_update(uow, case_id)
    session = case.schedule_session(
        session_id=new_id(), when=when, venue=venue, place=place, now=ctx.clock(),
        facility=await uow.facilities.get(case.facility_code),
        **await booking(uow, case, case.facilitator_ids))
    await uow.save_case(case, topic=ctx.topic)
    return session


async def reschedule_session(uow: UnitOfWork, ctx: Context, *, case_id: str, when: Interval,
                             place: str | None):
    case = await case_for_update(uow, case_id)
    current = case.current_session
    attending = current.facilitator_ids if current else case.facilitator_ids
    session = case.reschedule_session(
        when=when, place=place, now=ctx.clock(),
        facility=await uow.facilities.get(current.facility_code if current else None),
        **await booking(uow, case, attending))
    await uow.save_case(case, topic=ctx.topic)
    return session


async def set_victim_availability(uow: UnitOfWork, ctx: Context, *, case_id: str,
                                  hours: Availability | None) -> Case:
    return await on_case(uow, ctx, case_id=case_id,
                         act=lambda case, now: case.set_victim_hours(hours, now=now))


# -- holding and ending -----------------------------------------------------------------------

async def hold_case(uow: UnitOfWork, ctx: Context, *, case_id: str, by: ActedBy,
                    reason_code: str | None = None, reason: str | None = None) -> Case:
    """``reason_code`` goes on CasePaused; ``reason``, staff's own words, stays here, sealed."""
    code = _code(by, reason_code, reason)
    case = await on_case(uow, ctx, case_id=case_id, act=lambda case, now: case.pause(
        by=by, reason=code, now=now, announce=True))
    await _keep_note(uow, ctx, case_id, "hold", by, code, reason)
    return case


async def resume_case(uow: UnitOfWork, ctx: Context, *, case_id: str, by: ActedBy,
                      reason_code: str | None = None, reason: str | None = None) -> Case:
    code = reason_code_of(reason_code, reason)
    case = await on_case(uow, ctx, case_id=case_id, act=lambda case, now: case.resume(
        by=by, reason=code, now=now, announce=True))
    await _keep_note(uow, ctx, case_id, "resume", by, code, reason)
    return case


async def close_case(uow: UnitOfWork, ctx: Context, *, case_id: str, by: ActedBy,
                     reason_code: str | None = None, reason: str | None = None) -> Case:
    code = _code(by, reason_code, reason)
    case = await on_case(uow, ctx, case_id=case_id,
                         act=lambda case, now: case.close(reason=code, by=by, now=now))
    await _keep_note(uow, ctx, case_id, "close", by, code, reason)
    await assign_waiting_cases(uow, ctx)
    return case


def _code(by: ActedBy, code: str | None, words: str | None) -> str:
    """A hold or close by the program needs a reason: a code, or at least their own words."""
    if by in PEOPLE_WHO_NEED_A_REASON and code is None and not (words or "").strip():
        raise InvalidSchedule("reason_code", "a hold or close by anyone but the victim needs "
                                             "a reason")
    return reason_code_of(code, words).value


async def _keep_note(uow: UnitOfWork, ctx: Context, case_id: str, action: str, by: ActedBy,
                     code: str, words: str | None) -> None:
    """Staff's own words, sealed for scheduling alone, about the case; never on an event."""
    if not (words or "").strip() or reason_code_of(None, words).value == words:
        return  # nothing but a code (an older client's ``reason``): the event already has it
    if ctx.seal_note is None:
        raise RuntimeError("scheduling cannot seal staff notes: no key")
    sealed = ctx.seal_note(words.strip(), case_id)
    await uow.notes.add(case_id, action=action, by=by.value, reason_code=code,
                        sealed=sealed.model_dump(mode="json"), at=ctx.clock())


async def acknowledge_alert(uow: UnitOfWork, ctx: Context, *, alert_id: str, by: str) -> None:
    if await uow.alerts.get(alert_id) is None:
        raise NotFound(f"No alert {alert_id}.")
    await uow.alerts.acknowledge(alert_id, by=by, now=ctx.clock())


def new_id() -> str:
    return str(uuid.uuid4())
