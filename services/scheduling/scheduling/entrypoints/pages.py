"""Staff pages, rendered on the server (Jinja2, autoescaped, no JavaScript): the cases with
the wait list and alerts, and each case's schedule with the forms to move it along (the week
grid is in calendar_page.py). Same sign-in, CSRF and headers as every staff page."""
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from vod_shared.events import ActedBy, MeetingMode, Party, Venue
from vod_shared.problems import Problem
from vod_shared.staff import StaffMember, csrf_token, require_csrf
from vod_shared.staff.staff_pages import environment, render_page
from vod_shared.staff.workspace import workspace

from scheduling.domain.availability import PROGRAM_ZONE, zone
from scheduling.domain.errors import NotReadyForDialogue, SchedulingError
from scheduling.domain.holds import ReasonCode
from scheduling.domain.intervals import Interval
from scheduling.entrypoints import history
from scheduling.entrypoints.access import ACTS, READERS, STAFF, may_act_as
from scheduling.service_layer import joint
from scheduling.service_layer import staff_actions as act
from scheduling.service_layer import views
from scheduling.service_layer.group_view import case_group

# Scheduling's templates first, then the shared ones (the workspace header).
_templates = environment(Path(__file__).parent / "templates")
LOCAL_LINKS = (("Calendar", "/staff/calendar"), ("Cases", "/staff/cases"))
Staff = Annotated[StaffMember, Depends(STAFF)]
Reader = Annotated[StaffMember, Depends(READERS)]


async def _signed_in_then_csrf(request: Request, staff: Staff) -> None:
    """Sign-in first (a caller not signed in is sent to sign in, not told the form expired),
    then the form's CSRF token. FastAPI reuses the sign-in check for the route's own ``staff``."""
    await require_csrf(request)


Checked = Depends(_signed_in_then_csrf)


def render(request: Request, name: str, *, staff: StaffMember, status_code: int = 200,
           **context) -> HTMLResponse:
    return render_page(request, _templates, name, staff=staff, status_code=status_code,
                       local_links=LOCAL_LINKS, **context)


def pages_router(service) -> APIRouter:
    router = APIRouter(prefix="/staff", include_in_schema=False)

    async def names(uow) -> dict[str, str]:
        return {p.facilitator_id: p.display_name for p in await uow.facilitators.all()}

    async def case_page(request: Request, staff: StaffMember, case_id: str, *,
                        status_code: int = 200, chosen_venue: Venue | None = None,
                        audited: bool = False,
                        **message) -> HTMLResponse:
        async def view(uow):
            case = await views.visible_case(uow, staff, case_id)
            known = await names(uow)
            # A video dialogue needs no gate clearance: staff may choose it for any case.
            venue = (Venue.VIDEO if chosen_venue is Venue.VIDEO else Venue.COMMUNITY
                     if case.on_parole else Venue.FACILITY if case.facility_code else Venue.VIDEO)
            now = service.ctx.clock()
            return dict(
                case=views.case_schedule(case, PROGRAM_ZONE),
                names=lambda ids: [known.get(i, i) for i in ids],
                alerts=[a for a in await uow.alerts.for_case(case_id) if a.acknowledged_at is None],
                timeline=[dict(at=item["at"], what=history.sentence(
                    item["what"], item["data"] or {}, tz=PROGRAM_ZONE,
                    names=lambda ids: [known.get(i, i) for i in ids]))
                    for item in await views.case_timeline(uow, case_id, PROGRAM_ZONE)],
                notes=await views.staff_notes(uow, service.ctx, case_id, PROGRAM_ZONE),
                reason_codes=[code.value for code in ReasonCode],
                group=await case_group(uow, staff, case_id),
                slots=await views.offered_slots(uow, case, venue=venue, days=60, how_many=5,
                                                start=now + timedelta(days=1),
                                                length=timedelta(hours=3)))
        # Staff's notes, opened: a read of the case's details, audited (after a decision the
        # page shows what the decision's own entry records).
        context = await (service.read_audited(staff, case_id, view, audit="case.read")
                         if audited else service.read(view))
        case_links = workspace(request).case_links(request, staff, case_id)
        return render(request, "case.html", status_code=status_code, staff=staff,
                      tz=PROGRAM_ZONE, case_links=case_links,
                      may_act=staff.has_any_role(*ACTS),
                      language=history.language, **context, **message)

    async def act_then_show(request: Request, staff: StaffMember, case_id: str, done: str,
                            action, *, audit: str | None = None, **kwargs):
        try:
            await service.on_case(staff, case_id, action, audit=audit, **kwargs)
        except NotReadyForDialogue as exc:
            return await case_page(request, staff, case_id, status_code=409,
                                   error="The dialogue cannot be scheduled yet.",
                                   reasons=exc.reasons)
        except SchedulingError as exc:
            status = 422 if type(exc).__name__ == "InvalidSchedule" else 409
            return await case_page(request, staff, case_id, status_code=status, error=str(exc))
        return RedirectResponse(f"/staff/cases/{case_id}?done={done}", status_code=303)

    @router.get("/")
    async def home(staff: Reader):
        return RedirectResponse("/staff/calendar", status_code=303)

    @router.get("/cases")
    async def cases(request: Request, staff: Reader,
                    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> HTMLResponse:
        async def view(uow):
            known = await names(uow)
            total, shown, listed = await views.visible_cases_page(uow, staff, page=page)
            summaries = []
            for case in listed:
                summary = views.case_summary(case, PROGRAM_ZONE)
                summary["facilitators"] = [known.get(i, i) for i in summary["facilitator_ids"]]
                summaries.append(summary)
            waiting = None
            if staff.has_any_role(*views.SEES_EVERY_CASE):
                # the head of the wait list (it is worked from the head), and its length
                queue = await uow.cases.waiting_for_facilitator()
                waiting = {"total": len(queue), "cases": [
                    views.case_summary(case, PROGRAM_ZONE)
                    for case in await uow.cases.many(queue[:views.CASES_PAGE])]}
            found = await views.visible_alerts(uow, staff)
            references = await uow.cases.references(a.case_id for a in found)
            alerts = [{"alert_id": a.alert_id, "case_id": a.case_id, "detail": a.detail,
                       "reference": references.get(a.case_id),
                       "at": views.local(a.at, PROGRAM_ZONE)} for a in found]
            listing = {"total": total, "page": shown, "first": (shown - 1) * views.CASES_PAGE + 1,
                       "last": (shown - 1) * views.CASES_PAGE + len(summaries),
                       "older": shown * views.CASES_PAGE < total}
            return summaries, listing, waiting, alerts
        summaries, listing, waiting, alerts = await service.read(view)
        return render(request, "cases.html", staff=staff, cases=summaries, listing=listing,
                      wait_list=waiting, alerts=alerts, language=history.language,
                      may_act=staff.has_any_role(*ACTS))

    @router.get("/cases/{case_id}")
    async def case(request: Request, case_id: str, staff: Reader,
                   done: str | None = None, venue: Venue | None = None) -> HTMLResponse:
        return await case_page(request, staff, case_id, audited=True, done=DONE.get(done),
                               chosen_venue=venue)

    @router.post("/cases/{case_id}/meetings", dependencies=[Checked])
    async def schedule_meeting(request: Request, case_id: str, staff: Staff,
                               party: Annotated[Party, Form()],
                               mode: Annotated[MeetingMode, Form()],
                               day: Annotated[date, Form(alias="date")],
                               start: Annotated[time, Form(alias="time")],
                               minutes: Annotated[int, Form(ge=15, le=480)] = 60,
                               place: Annotated[str, Form(max_length=200)] = "",
                               follow_up: Annotated[bool, Form()] = False):
        starts = datetime.combine(day, start, zone(PROGRAM_ZONE))
        return await act_then_show(request, staff, case_id, "meeting", act.schedule_meeting,
                                   audit="meeting.schedule",
                                   party=party, mode=mode, place=place or None,
                                   when=Interval(starts, starts + timedelta(minutes=minutes)),
                                   follow_up=follow_up)

    @router.post("/cases/{case_id}/meetings/{meeting_id}/held", dependencies=[Checked])
    async def meeting_held(request: Request, case_id: str, meeting_id: str, staff: Staff,
                           outcome: Annotated[str, Form(min_length=1, max_length=280)]):
        return await act_then_show(request, staff, case_id, "held", act.on_case,
                                   audit="meeting.held", detail=meeting_id,
                                   act=lambda case, now: case.meeting_held(
                                       meeting_id, outcome=outcome, now=now))

    @router.post("/cases/{case_id}/parties/{party}/ready", dependencies=[Checked])
    async def ready(request: Request, case_id: str, party: Party, staff: Staff):
        return await act_then_show(request, staff, case_id, "ready", act.on_case,
                                   audit="party.ready", detail=party.value,
                                   act=lambda case, now: case.mark_ready(party, now=now))

    @router.post("/cases/{case_id}/session", dependencies=[Checked])
    async def schedule_session(request: Request, case_id: str, staff: Staff,
                               starts_at: Annotated[datetime, Form()],
                               venue: Annotated[Venue, Form()],
                               place: Annotated[str, Form(max_length=200)] = ""):
        if starts_at.tzinfo is None:
            raise Problem(422, "The time needs its UTC offset")
        return await act_then_show(request, staff, case_id, "session", joint.schedule_session,
                                   audit="session.schedule",
                                   when=Interval(starts_at, starts_at + timedelta(hours=3)),
                                   venue=venue, place=place or None)

    @router.post("/cases/{case_id}/travel/done", dependencies=[Checked])
    async def travel_done(request: Request, case_id: str, staff: Staff):
        return await act_then_show(request, staff, case_id, "travel", act.on_case,
                                   audit="travel.arranged",
                                   act=lambda case, now: case.travel_arranged(now=now))

    @router.post("/cases/{case_id}/hold", dependencies=[Checked])
    async def hold(request: Request, case_id: str, staff: Staff, by: Annotated[ActedBy, Form()],
                   action: Annotated[str, Form(pattern="^(hold|resume)$")],
                   reason_code: Annotated[ReasonCode, Form()] = ReasonCode.OTHER,
                   reason: Annotated[str, Form(max_length=200)] = ""):
        step = joint.hold_case if action == "hold" else act.resume_case
        return await act_then_show(request, staff, case_id, action, step,
                                   audit=f"case.{action}",
                                   by=may_act_as(staff, by), reason_code=reason_code,
                                   reason=reason or None)

    @router.post("/alerts/{alert_id}/acknowledge", dependencies=[Checked])
    async def acknowledge(alert_id: str, staff: Staff):
        async def check(uow):
            alert = await uow.alerts.get(alert_id)
            return alert is not None and await views.may_see_case_id(uow, staff, alert.case_id)
        if await service.read(check):
            await service.run(act.acknowledge_alert, staff=staff, audit="alert.acknowledge",
                              alert_id=alert_id, by=staff.username)
        return RedirectResponse("/staff/cases", status_code=303)

    return router


DONE = {"meeting": "The meeting is scheduled.", "held": "The meeting is recorded.",
        "ready": "Marked ready.", "session": "The dialogue is scheduled.",
        "travel": "Travel is marked arranged.", "hold": "The case is on hold.",
        "resume": "The hold is lifted."}
