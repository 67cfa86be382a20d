"""What staff read: a case's schedule, the calendar, the wait list, candidate slots. Plain
dicts, shown in the reader's zone; the JSON API and the pages both use them."""
from datetime import datetime, timedelta

from vod_shared.events import Party, SealedDetails, Venue
from vod_shared.sealing import CannotUnseal
from vod_shared.staff import Role, StaffMember

from scheduling.domain.availability import PROGRAM_ZONE, local_day, zone
from scheduling.domain.booking import busy_times
from scheduling.domain.errors import NotFound
from scheduling.domain.intervals import Interval
from scheduling.domain.model import Case
from scheduling.domain.slots import candidate_slots
from scheduling.adapters.serialization import as_utc, availability_json
from scheduling.service_layer.unit_of_work import UnitOfWork

SEES_EVERY_CASE = (Role.COORDINATOR, Role.ADMIN)
# Screeners read every case's schedule (a dialogue's date matters to the gate clearances they
# grant) and change none: scheduling's changes admit coordinators and facilitators only.
READS_EVERY_CASE = (*SEES_EVERY_CASE, Role.SCREENER)
CASES_PAGE = 50  # cases on one page of the staff's case list


async def my_facilitator_id(uow: UnitOfWork, staff: StaffMember) -> str | None:
    me = await uow.facilitators.by_username(staff.username)
    return me.facilitator_id if me else None


async def visible_case(uow: UnitOfWork, staff: StaffMember, case_id: str, *,
                       for_update: bool = False) -> Case:
    """The case, if this staff member may see it: coordinators see all, a facilitator only the
    cases assigned to them. Anyone else's case is simply not found."""
    case = await uow.cases.get(case_id, for_update=for_update)
    if case is None or not await may_see(uow, staff, case, for_update=for_update):
        raise NotFound(f"No case {case_id}.")
    return case


async def may_see(uow: UnitOfWork, staff: StaffMember, case: Case, *,
                  for_update: bool = False) -> bool:
    """``visible_case``'s rule, as a yes or no (``for_update``: to change it, not to read it)."""
    if staff.has_any_role(*(SEES_EVERY_CASE if for_update else READS_EVERY_CASE)):
        return True
    mine = await my_facilitator_id(uow, staff)
    return mine is not None and mine in case.facilitator_ids


async def visible_case_ids(uow: UnitOfWork, staff: StaffMember) -> list[str]:
    if staff.has_any_role(*READS_EVERY_CASE):
        return await uow.cases.all_ids()
    mine = await my_facilitator_id(uow, staff)
    return [] if mine is None else await uow.cases.assigned_to(mine)


async def visible_cases(uow: UnitOfWork, staff: StaffMember) -> list[Case]:
    """Every case this staff member may see, oldest first, read a chunk at a time."""
    if staff.has_any_role(*READS_EVERY_CASE):
        return await uow.cases.many(await uow.cases.all_ids())
    mine = await my_facilitator_id(uow, staff)
    return [] if mine is None else \
        _still_theirs(await uow.cases.many(await uow.cases.assigned_to(mine)), mine)


async def visible_cases_page(uow: UnitOfWork, staff: StaffMember, *,
                             page: int) -> tuple[int, int, list[Case]]:
    """A page of ``CASES_PAGE`` of the cases this staff member may see, newest first: how many
    there are in all, the page shown (the last, for one past it), its cases."""
    mine = None
    if not staff.has_any_role(*READS_EVERY_CASE):
        mine = await my_facilitator_id(uow, staff)
        if mine is None:
            return 0, 1, []
    total, page, ids = await uow.cases.newest_first(page=page, size=CASES_PAGE,
                                                     facilitator_id=mine)
    return total, page, _still_theirs(await uow.cases.many(ids), mine)


def _still_theirs(cases: list[Case], facilitator_id: str | None) -> list[Case]:
    """A facilitator's cases as read: those they are still on (``many`` takes turns between
    its reads, and a coordinator may take them off one meanwhile); None: every case."""
    return cases if facilitator_id is None else \
        [case for case in cases if facilitator_id in case.facilitator_ids]


async def visible_alerts(uow: UnitOfWork, staff: StaffMember) -> list:
    """The open alerts of the cases this staff member may see, newest first."""
    if staff.has_any_role(*READS_EVERY_CASE):
        return await uow.alerts.open()
    mine = await my_facilitator_id(uow, staff)
    return [] if mine is None else await uow.alerts.open(await uow.cases.assigned_to(mine))


async def may_see_case_id(uow: UnitOfWork, staff: StaffMember, case_id: str) -> bool:
    """``may_see`` for a case known by its id (none: no)."""
    case = await uow.cases.get(case_id)
    return case is not None and await may_see(uow, staff, case)


def local(moment: datetime | None, tz: str) -> str | None:
    return as_utc(moment).astimezone(zone(tz)).isoformat() if moment else None


def case_summary(case: Case, tz: str) -> dict:
    session = case.current_session
    return {
        "case_id": case.case_id, "reference": case.reference, "stage": case.stage.value, "on_hold": case.is_paused,
        "language": case.language.value, "facility_code": case.facility_code,
        "on_parole": case.on_parole, "facilitator_ids": list(case.facilitator_ids),
        "waiting_since": local(case.waiting_since, tz),
        "session_starts_at": local(session.when.start, tz) if session and
        session.status.value == "scheduled" else None,
    }


def case_schedule(case: Case, tz: str) -> dict:
    """Everything about a case's schedule, for its page and ``GET /api/cases/{id}``."""
    return {
        **case_summary(case, tz),
        "time_zone": tz, "cdcr_number": case.cdcr_number, "victim_id": case.victim_id,
        # After the requester's erasure: not known, and said so (never a false "no").
        "travel_offered": None if case.details_erased else case.travel_offered,
        "details_erased": case.details_erased, "end_reason": case.end_reason,
        "holds": [{"by": h.by, "reason": h.reason, "at": local(h.at, tz)}
                  for h in case.holds.values()],
        "assignments": [{"facilitator_ids": list(a.facilitator_ids), "reason": a.reason,
                         "at": local(a.at, tz)} for a in case.assignments],
        "ready": {party.value: local(at, tz) for party, at in case.ready.items()},
        "meetings": [{
            "meeting_id": m.meeting_id, "party": m.party.value, "mode": m.mode.value,
            "starts_at": local(m.when.start, tz), "ends_at": local(m.when.end, tz),
            "place": m.place, "facilitator_ids": list(m.facilitator_ids),
            "follow_up": m.follow_up, "status": m.status.value, "outcome": m.outcome,
            "cancel_reason": m.cancel_reason} for m in case.meetings],
        "sessions": [{
            "session_id": s.session_id, "starts_at": local(s.when.start, tz),
            "ends_at": local(s.when.end, tz), "venue_starts_at": s.local_start.isoformat(),
            "venue_time_zone": s.time_zone, "venue": s.venue.value,
            "facility_code": s.facility_code, "place": s.place,
            "facilitator_ids": list(s.facilitator_ids), "status": s.status.value,
            "sequence": s.sequence, "cancel_reason": s.cancel_reason} for s in case.sessions],
        "clearances": [{
            "clearance_id": c.clearance_id, "visitor_id": c.visitor_id,
            "visitor_role": c.visitor_role.value, "facility_code": c.facility_code,
            "granted": c.granted, "expires_on": c.expires_on.isoformat() if c.expires_on else None,
            "reason": c.reason} for c in case.clearances],
        "support_person_ids": list(case.support_person_ids),
        "victim_availability": availability_json(case.victim_hours),
        "travel": None if case.travel is None else {
            "status": case.travel.status.value, "due_by": local(case.travel.due_by, tz),
            "done_at": local(case.travel.done_at, tz)},
        "surveys": [{"survey_id": s.survey_id, "party": s.party.value, "stage": s.stage.value,
                     "due_at": local(s.due_at, tz), "status": s.status.value,
                     "answers": s.answers} for s in case.surveys],
        "dialogue_blockers": case.dialogue_blockers(),
    }


async def staff_notes(uow: UnitOfWork, ctx, case_id: str, tz: str) -> list[dict]:
    """Staff's own words on the case's holds, resumes and close, opened for its staff pages."""
    notes = []
    for row in await uow.notes.of(case_id):
        words = None
        try:
            if row.sealed is not None:  # None: erased with the case's requester
                words = ctx.open_note(SealedDetails.model_validate(row.sealed), case_id)
        except CannotUnseal:
            pass  # not ours (or not about this case): not shown
        notes.append({"at": local(row.at, tz), "action": row.action, "by": row.by,
                      "reason_code": row.reason_code, "note": words,
                      "erased": row.sealed is None})
    return notes


async def case_timeline(uow: UnitOfWork, case_id: str, tz: str) -> list[dict]:
    events = [{"at": local(row.at, tz), "what": row.event_type, "data": row.data}
              for row in await uow.history.of(case_id)]
    alerts = [{"at": local(row.at, tz), "what": f"alert:{row.kind}", "data": {"detail": row.detail}}
              for row in await uow.alerts.for_case(case_id)]
    return sorted(events + alerts, key=lambda item: item["at"])


async def offered_slots(uow: UnitOfWork, case: Case, *, venue: Venue, start: datetime,
                        days: int, length: timedelta, how_many: int) -> dict:
    """The earliest fitting times for the dialogue, or why there are none."""
    facility = await uow.facilities.get(case.facility_code) if venue is Venue.FACILITY else None
    tz = facility.time_zone if facility else PROGRAM_ZONE
    blockers, last_day = case.slot_blockers(venue, facility, local_day(start, tz))
    people = [await uow.facilitators.get(f) for f in case.facilitator_ids]
    slots = [] if blockers else candidate_slots(
        window=Interval(start, start + timedelta(days=days)), length=length,
        facilitator_hours=[p.availability for p in people if p],
        busy=busy_times(await uow.calendar.commitments(case.facilitator_ids), case.facilitator_ids),
        facility=facility, cleared_until=last_day, victim_hours=case.victim_hours,
        how_many=how_many)
    return {"venue": venue.value, "time_zone": tz, "blockers": blockers,
            "slots": [{"starts_at": local(s.start, tz), "ends_at": local(s.end, tz)}
                      for s in slots]}


async def calendar(uow: UnitOfWork, staff: StaffMember, *, start: datetime, end: datetime,
                   tz: str) -> list[dict]:
    """Meetings and dialogues between ``start`` and ``end``: all for a coordinator, a
    facilitator's own otherwise."""
    mine = None if staff.has_any_role(*READS_EVERY_CASE) else await my_facilitator_id(uow, staff)
    if mine is None and not staff.has_any_role(*READS_EVERY_CASE):
        return []
    # a facilitator's: those they lead, of cases they are on now (not one they were taken off)
    theirs = set(await uow.cases.assigned_to(mine)) if mine else None
    entries = []
    for kind, rows in (("meeting", await uow.calendar.meetings_between(start, end)),
                       ("dialogue", await uow.calendar.sessions_between(start, end))):
        for row in rows:
            if row.status == "cancelled" or (theirs is not None and (
                    mine not in row.facilitator_ids or row.case_id not in theirs)):
                continue
            entries.append({
                "kind": kind, "case_id": row.case_id,
                "id": row.meeting_id if kind == "meeting" else row.session_id,
                "party": getattr(row, "party", None),
                "mode": getattr(row, "mode", None) or row.venue,
                "starts_at": local(row.starts_at, tz), "ends_at": local(row.ends_at, tz),
                "facilitator_ids": list(row.facilitator_ids), "status": row.status,
                "place": row.place, "facility_code": getattr(row, "facility_code", None)})
    return sorted(entries, key=lambda e: e["starts_at"])


async def meeting_slots(uow: UnitOfWork, case: Case, *, party: Party, window: Interval,
                        length: timedelta, how_many: int, tz: str) -> list[dict]:
    """The earliest fitting times for a preparation meeting: every facilitator of the case in
    their hours and free, and, for the victim, when she said she can. ``candidate_slots``, as
    for the dialogue, with no facility and no clearance (a meeting may be by phone or video)."""
    people = [await uow.facilitators.get(f) for f in case.facilitator_ids]
    slots = candidate_slots(
        window=window, length=length, facilitator_hours=[p.availability for p in people if p],
        busy=busy_times(await uow.calendar.commitments(case.facilitator_ids), case.facilitator_ids),
        victim_hours=case.victim_hours if party is Party.VICTIM else None, how_many=how_many)
    return [{"starts_at": local(s.start, tz), "ends_at": local(s.end, tz)} for s in slots]
