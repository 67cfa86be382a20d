"""The week grid staff plan with (server-rendered, no JavaScript): a week per facility or per
facilitator, their available hours shaded, what is booked, and for a chosen case the earliest
fitting times for a preparation meeting, each a button that books it (CSRF-checked like every
staff form). Times are the program's zone, named on the page."""
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse

from vod_shared.events import MeetingMode, Party
from vod_shared.problems import Problem

from scheduling.domain.availability import PROGRAM_ZONE, zone
from scheduling.domain.errors import NotFound, SchedulingError
from scheduling.domain.intervals import Interval
from scheduling.entrypoints.access import ACTS
from scheduling.entrypoints.pages import Checked, Reader, Staff, render
from scheduling.service_layer import staff_actions as act
from scheduling.service_layer import views
from scheduling.service_layer.week import Week, grid

MEETING = timedelta(minutes=60)


def calendar_router(service) -> APIRouter:
    router = APIRouter(prefix="/staff", include_in_schema=False)

    async def week_page(request: Request, staff, week: Week, *, facilitator: str | None,
                        facility: str | None, case_id: str | None, party: Party,
                        status_code: int = 200, **message):
        context = await service.read(_week_view, staff=staff, week=week, now=service.ctx.clock(),
                                     facilitator=facilitator, facility=facility,
                                     case_id=case_id, party=party)
        keep = {k: v for k, v in (("facilitator", facilitator), ("facility", facility),
                                  ("case", case_id)) if v}
        return render(request, "calendar.html", staff=staff, status_code=status_code,
                      tz=PROGRAM_ZONE, week=week, party=party.value, keep=keep,
                      may_act=staff.has_any_role(*ACTS),
                      everyone=staff.has_any_role(*views.SEES_EVERY_CASE),
                      **context, **message)

    @router.get("/calendar")
    async def calendar(request: Request, staff: Reader,
                       start: date | None = Query(None, alias="from"),
                       facilitator: str | None = None, facility: str | None = None,
                       case: str | None = None, party: Party = Party.VICTIM,
                       done: str | None = None):
        week = Week.containing(start or service.ctx.clock(), PROGRAM_ZONE)
        return await week_page(request, staff, week, facilitator=facilitator or None,
                               facility=facility or None, case_id=case or None, party=party,
                               done="The meeting is booked." if done == "meeting" else None)

    @router.post("/calendar/meetings", dependencies=[Checked])
    async def book(request: Request, staff: Staff,
                   case_id: Annotated[str, Form(alias="case")],
                   party: Annotated[Party, Form()], mode: Annotated[MeetingMode, Form()],
                   slot: Annotated[datetime | None, Form()] = None,
                   day: Annotated[date | None, Form(alias="date")] = None,
                   start: Annotated[time | None, Form(alias="time")] = None,
                   minutes: Annotated[int, Form(ge=15, le=480)] = 60,
                   place: Annotated[str, Form(max_length=200)] = ""):
        """One click on an offered time books it; or a date and time typed in."""
        if slot is not None and slot.tzinfo is None:
            raise Problem(422, "The time needs its UTC offset")
        if slot is None and (day is None or start is None):
            raise Problem(422, "Choose an offered time, or give a date and a time")
        starts = slot or datetime.combine(day, start, zone(PROGRAM_ZONE))
        week = Week.containing(starts, PROGRAM_ZONE)
        try:
            await service.on_case(staff, case_id, act.schedule_meeting, party=party, mode=mode,
                              place=place or None, follow_up=False,
                              when=Interval(starts, starts + timedelta(minutes=minutes)))
        except NotFound:
            raise
        except SchedulingError as exc:
            status = 422 if type(exc).__name__ == "InvalidSchedule" else 409
            return await week_page(request, staff, week, facilitator=None, facility=None,
                                   case_id=case_id, party=party, status_code=status,
                                   error=str(exc))
        return RedirectResponse(f"/staff/calendar?from={week.first_day.isoformat()}"
                                f"&case={case_id}&done=meeting", status_code=303)

    return router


async def _week_view(uow, *, staff, week: Week, now: datetime, facilitator: str | None,
                     facility: str | None, case_id: str | None, party: Party) -> dict:
    """Whose week (the facilitator asked for, else the case's first, else the facility's
    visiting hours, else the signed-in facilitator's own), what is booked, what is offered."""
    people = await uow.facilitators.all()
    me = await views.my_facilitator_id(uow, staff)
    case = await _plannable(uow, staff, case_id) if case_id else None
    shown = facilitator or (case.facilitator_ids[0] if case and case.facilitator_ids else None) \
        or (None if facility else me)
    person = next((p for p in people if p.facilitator_id == shown), None)
    place = await uow.facilities.get(facility) if facility else None
    hours = person.availability if person else (
        place.visiting_hours if place is not None and not shown else None)
    entries = [e for e in await _entries(uow, staff, week, {p.facilitator_id: p.display_name
                                                              for p in people})
               if (not shown or shown in e["facilitator_ids"])
               and (not facility or e["facility_code"] == facility)]
    may_act = staff.has_any_role(*ACTS)
    return dict(
        people=people if staff.has_any_role(*views.READS_EVERY_CASE)
        else [p for p in people if p.facilitator_id == me],
        facilities=await uow.facilities.all(), shown=shown, facility=facility,
        shown_name=person.display_name if person else None,
        rows=grid(week, entries, hours), has_hours=hours is not None,
        case=views.case_summary(case, PROGRAM_ZONE) if case else None,
        plannable=await _plannable_cases(uow, staff) if may_act else [],
        offered=await _offered(uow, case, party, week, now) if case and may_act else [])


async def _offered(uow, case, party: Party, week: Week, now: datetime) -> list[dict]:
    """The earliest fitting meeting times left in this week (none for a week gone by)."""
    if week.span.end <= now:
        return []
    return await views.meeting_slots(uow, case, party=party, length=MEETING, how_many=5,
                                     window=Interval(max(now, week.span.start), week.span.end),
                                     tz=PROGRAM_ZONE)


async def _plannable(uow, staff, case_id: str):
    try:
        return await views.visible_case(uow, staff, case_id)
    except NotFound:
        return None


async def _plannable_cases(uow, staff) -> list[dict]:
    """Open cases with facilitators: the ones a preparation meeting can be booked for."""
    if staff.has_any_role(*views.READS_EVERY_CASE):
        return await uow.cases.open_with_facilitators()
    mine = await views.my_facilitator_id(uow, staff)
    return [] if mine is None else await uow.cases.open_with_facilitators(mine)


async def _entries(uow, staff, week: Week, known: dict[str, str]) -> list[dict]:
    entries = await views.calendar(uow, staff, start=week.span.start, end=week.span.end,
                                   tz=PROGRAM_ZONE)
    cases = {case.case_id: case for case in
             await uow.cases.many(list(dict.fromkeys(entry["case_id"] for entry in entries)))}
    for entry in entries:
        case = cases.get(entry["case_id"])
        entry["facilitators"] = [known.get(i, i) for i in entry["facilitator_ids"]]
        entry["reference"] = case.reference if case else None
        entry["facility_code"] = entry["facility_code"] or (case.facility_code if case else None)
    return entries
