"""Staff API for one case: its schedule, meetings, readiness, the dialogue, holds, surveys,
and the dialogue's invitation as iCalendar. A facilitator reaches only their own cases."""
from datetime import datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from vod_shared.events import Party, Venue
from vod_shared.staff import StaffMember

from scheduling.adapters.icalendar import Invitation, session_ics
from scheduling.adapters.serialization import as_utc
from scheduling.domain.availability import PROGRAM_ZONE, zone
from scheduling.domain.errors import NotFound
from scheduling.domain.intervals import Interval
from scheduling.entrypoints.access import COORDINATORS, STAFF, may_act_as
from scheduling.entrypoints.schemas import (
    AssignIn,
    AvailabilityIn,
    CancelIn,
    CaseStepIn,
    CloseIn,
    MeetingIn,
    MeetingMoveIn,
    OutcomeIn,
    PastMeetingIn,
    SessionIn,
    SessionMoveIn,
    SurveyAnswersIn,
)
from scheduling.service_layer import joint
from scheduling.service_layer import staff_actions as act
from scheduling.service_layer import views

Staff = Annotated[StaffMember, Depends(STAFF)]
Zone = Annotated[str, Query(description="IANA zone to show times in")]
MEETING_MINUTES = 60
DIALOGUE_MINUTES = 180


def cases_router(service, *, phone: str) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["scheduling: cases"])

    async def schedule(staff: StaffMember, case_id: str, tz: str, *,
                       audited: bool = False) -> dict:
        async def view(uow):
            case = await views.visible_case(uow, staff, case_id)
            return {**views.case_schedule(case, tz),
                    "notes": await views.staff_notes(uow, service.ctx, case_id, tz)}
        if audited:  # staff's notes, opened: a read of the case's details
            return await service.read_audited(staff, case_id, view, audit="case.read")
        return await service.read(view)  # after a decision, which its own entry records

    async def step(staff: StaffMember, case_id: str, action, tz: str = PROGRAM_ZONE, *,
                   audit: str | None = None, **kwargs):
        await service.on_case(staff, case_id, action, audit=audit, **kwargs)
        return await schedule(staff, case_id, tz)

    @router.get("/cases", summary="Cases (a facilitator: the ones assigned to them)")
    async def list_cases(staff: Staff, tz: Zone = PROGRAM_ZONE) -> list[dict]:
        async def view(uow):
            return [views.case_summary(case, tz) for case in await views.visible_cases(uow, staff)]
        return await service.read(view)

    @router.get("/cases/{case_id}", summary="A case's whole schedule")
    async def read_case(case_id: str, staff: Staff, tz: Zone = PROGRAM_ZONE) -> dict:
        return await schedule(staff, case_id, tz, audited=True)

    @router.get("/cases/{case_id}/timeline", summary="What happened, in order")
    async def timeline(case_id: str, staff: Staff, tz: Zone = PROGRAM_ZONE) -> list[dict]:
        async def view(uow):
            await views.visible_case(uow, staff, case_id)
            return await views.case_timeline(uow, case_id, tz)
        return await service.read(view)

    @router.post("/cases/{case_id}/facilitators", summary="Assign or reassign (history is kept)")
    async def assign(case_id: str, body: AssignIn,
                     staff: Annotated[StaffMember, Depends(COORDINATORS)]) -> dict:
        return await step(staff, case_id, act.assign_facilitators, audit="facilitators.assign",
                          facilitator_ids=tuple(body.facilitator_ids), reason=body.reason)

    @router.post("/cases/{case_id}/meetings", status_code=201,
                 summary="A preparation (or follow-up) meeting with one party")
    async def schedule_meeting(case_id: str, body: MeetingIn, staff: Staff) -> dict:
        meeting = await service.on_case(
            staff, case_id, act.schedule_meeting, audit="meeting.schedule", party=body.party, mode=body.mode,
            when=body.interval(MEETING_MINUTES), place=body.place,
            facilitator_ids=tuple(body.facilitator_ids), follow_up=body.follow_up)
        return {"meeting_id": meeting.meeting_id, **await schedule(staff, case_id, PROGRAM_ZONE)}

    @router.post("/cases/{case_id}/meetings/past", status_code=201,
                 summary="Record a meeting that already took place, with its outcome")
    async def record_past_meeting(case_id: str, body: PastMeetingIn, staff: Staff) -> dict:
        def record(case, now):
            case.record_past_meeting(
                meeting_id=act.new_id(), party=body.party, mode=body.mode,
                when=body.interval(MEETING_MINUTES), place=body.place, outcome=body.outcome,
                now=now, facilitator_ids=tuple(body.facilitator_ids), follow_up=body.follow_up)
        return await step(staff, case_id, act.on_case, audit="meeting.record_past", act=record)

    @router.post("/cases/{case_id}/meetings/{meeting_id}/reschedule")
    async def reschedule_meeting(case_id: str, meeting_id: str, body: MeetingMoveIn,
                                 staff: Staff) -> dict:
        return await step(staff, case_id, act.reschedule_meeting, audit="meeting.reschedule",
                          meeting_id=meeting_id,
                          when=body.interval(MEETING_MINUTES), place=body.place)

    @router.post("/cases/{case_id}/meetings/{meeting_id}/cancel")
    async def cancel_meeting(case_id: str, meeting_id: str, body: CancelIn, staff: Staff) -> dict:
        return await step(staff, case_id, act.on_case, audit="meeting.cancel", detail=meeting_id,
                          act=lambda case, now: case.cancel_meeting(
                              meeting_id, reason=body.reason, now=now))

    @router.post("/cases/{case_id}/meetings/{meeting_id}/held", summary="Held, with its outcome")
    async def meeting_held(case_id: str, meeting_id: str, body: OutcomeIn, staff: Staff) -> dict:
        return await step(staff, case_id, act.on_case, audit="meeting.held", detail=meeting_id,
                          act=lambda case, now: case.meeting_held(
                              meeting_id, outcome=body.outcome, now=now))

    @router.post("/cases/{case_id}/parties/{party}/ready", summary="The party is prepared")
    async def ready(case_id: str, party: Party, staff: Staff) -> dict:
        return await step(staff, case_id, act.on_case, audit="party.ready", detail=party.value,
                          act=lambda case, now: case.mark_ready(party, now=now))

    @router.put("/cases/{case_id}/victim-availability",
                summary="When the victim said they can come, in their zone")
    async def victim_availability(case_id: str, body: AvailabilityIn, staff: Staff) -> dict:
        return await step(staff, case_id, act.set_victim_availability,
                          audit="victim_availability.set", hours=body.to_domain())

    @router.get("/cases/{case_id}/meetings/slots",
                summary="The earliest fitting preparation-meeting times (the week grid offers them)")
    async def meeting_slots(case_id: str, staff: Staff, party: Party = Party.VICTIM,
                            start: datetime | None = Query(None, alias="from"),
                            days: int = Query(7, ge=1, le=90),
                            duration_minutes: int = Query(MEETING_MINUTES, ge=15, le=480),
                            count: int = Query(5, ge=1, le=20), tz: Zone = PROGRAM_ZONE) -> dict:
        async def view(uow):
            case = await views.visible_case(uow, staff, case_id)
            now = service.ctx.clock()
            begin = as_utc(start) if start else now
            end = begin + timedelta(days=days)
            slots = [] if end <= now else await views.meeting_slots(
                uow, case, party=party, window=Interval(max(begin, now), end), how_many=count,
                tz=zone(tz).key, length=timedelta(minutes=duration_minutes))
            return {"party": party.value, "time_zone": tz, "slots": slots}
        return await service.read(view)

    @router.get("/cases/{case_id}/session/slots", summary="The earliest fitting dialogue times")
    async def slots(case_id: str, staff: Staff, venue: Venue = Venue.FACILITY,
                    start: datetime | None = Query(None, alias="from"),
                    days: int = Query(60, ge=1, le=365),
                    duration_minutes: int = Query(DIALOGUE_MINUTES, ge=30, le=480),
                    count: int = Query(5, ge=1, le=20)) -> dict:
        async def view(uow):
            case = await views.visible_case(uow, staff, case_id)
            now = service.ctx.clock()
            first = as_utc(start) if start else datetime.combine(
                now.astimezone(zone(PROGRAM_ZONE)).date() + timedelta(days=1), time(0),
                zone(PROGRAM_ZONE))
            return await views.offered_slots(uow, case, venue=venue, start=max(first, now),
                                             days=days, how_many=count,
                                             length=timedelta(minutes=duration_minutes))
        return await service.read(view)

    @router.post("/cases/{case_id}/session", status_code=201, summary="Schedule the dialogue")
    async def schedule_session(case_id: str, body: SessionIn, staff: Staff) -> dict:
        session = await service.on_case(staff, case_id, joint.schedule_session,
                                        audit="session.schedule",
                                        when=body.interval(DIALOGUE_MINUTES), venue=body.venue,
                                        place=body.place)
        return {"session_id": session.session_id, **await schedule(staff, case_id, PROGRAM_ZONE)}

    @router.post("/cases/{case_id}/session/reschedule", summary="Same facilitators, new time")
    async def reschedule_session(case_id: str, body: SessionMoveIn, staff: Staff) -> dict:
        return await step(staff, case_id, joint.reschedule_session, audit="session.reschedule",
                          when=body.interval(DIALOGUE_MINUTES), place=body.place)

    @router.post("/cases/{case_id}/session/cancel")
    async def cancel_session(case_id: str, body: CancelIn, staff: Staff) -> dict:
        return await step(staff, case_id, joint.cancel_session, audit="session.cancel",
                          reason=body.reason)

    @router.post("/cases/{case_id}/session/held", summary="The dialogue took place")
    async def session_held(case_id: str, staff: Staff) -> dict:
        return await step(staff, case_id, joint.session_held, audit="session.held")

    @router.post("/cases/{case_id}/travel/done", summary="The victim's travel is arranged")
    async def travel_done(case_id: str, staff: Staff) -> dict:
        return await step(staff, case_id, act.on_case, audit="travel.arranged",
                          act=lambda case, now: case.travel_arranged(now=now))

    @router.post("/cases/{case_id}/clearance-requests", status_code=202,
                 summary="Ask screening (again) for every visitor's gate clearance")
    async def request_clearance(case_id: str, staff: Staff) -> dict:
        return await step(staff, case_id, act.on_case, audit="clearance.request",
                          act=lambda case, now: case.request_clearance(
                              reason="staff_request", now=now))

    @router.post("/cases/{case_id}/hold", summary="Put the case on hold, with a reason")
    async def hold(case_id: str, body: CaseStepIn, staff: Staff) -> dict:
        return await step(staff, case_id, joint.hold_case, audit="case.hold", by=may_act_as(staff, body.by),
                          reason_code=body.reason_code, reason=body.reason)

    @router.post("/cases/{case_id}/resume", summary="Lift a hold the program put on")
    async def resume(case_id: str, body: CaseStepIn, staff: Staff) -> dict:
        return await step(staff, case_id, act.resume_case, audit="case.resume", by=may_act_as(staff, body.by),
                          reason_code=body.reason_code, reason=body.reason)

    @router.post("/cases/{case_id}/close", summary="End the case, with a reason")
    async def close(case_id: str, body: CloseIn, staff: Staff) -> dict:
        return await step(staff, case_id, act.close_case, audit="case.close", by=may_act_as(staff, body.by),
                          reason_code=body.reason_code, reason=body.reason)

    @router.post("/cases/{case_id}/surveys/{survey_id}/answers", summary="A survey's answers")
    async def answer(case_id: str, survey_id: str, body: SurveyAnswersIn, staff: Staff) -> dict:
        return await step(staff, case_id, act.on_case, audit="survey.answers", detail=survey_id,
                          act=lambda case, now: case.answer_survey(
                              survey_id, body.answers, now=now))

    @router.get("/sessions/{session_id}.ics", response_class=Response,
                summary="The dialogue's invitation (iCalendar), in a zone and language")
    async def session_invitation(session_id: str, staff: Staff, tz: Zone = PROGRAM_ZONE,
                                 lang: str = Query("en", pattern="^(en|es)$")) -> Response:
        async def view(uow):
            row = await uow.calendar.session(session_id)
            if row is None:
                raise NotFound(f"No dialogue {session_id}.")
            await views.visible_case(uow, staff, row.case_id)
            return row
        row = await service.read(view)
        invite = Invitation(row.session_id, as_utc(row.starts_at), as_utc(row.ends_at), row.venue,
                            row.facility_code, row.place, row.sequence,
                            cancelled=row.status == "cancelled")
        body = session_ics(invite, time_zone=tz, language=lang, phone=phone,
                           now=service.ctx.clock())
        return Response(body, media_type="text/calendar; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="dialogue-{session_id}.ics"',
            "Cache-Control": "no-store"})

    return router
