"""The staff API: who sees what, and a case taken from preparation to a scheduled, then
rescheduled, dialogue with its invitation, through HTTP alone."""
import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar

from vod_shared.events import VisitorRole
from vod_shared.staff import Role

from scheduling_tests.conftest import OFFICE_WEEK, approved, cleared, eligible, request
from scheduling_tests.unit.test_following_other_services import add_facilitator, prepare_both_parties


async def opened_case(scheduling, **kwargs) -> str:
    case_id = str(uuid.uuid4())
    await scheduling.feed(request(case_id, **kwargs), eligible(case_id), approved(case_id))
    return case_id


async def test_staff_must_sign_in_and_hold_a_scheduling_role(scheduling):
    anonymous = await scheduling.staff(Role.SCREENER)
    assert (await anonymous.get("/api/cases")).status_code == 403
    anonymous.cookies.clear()
    response = await anonymous.get("/api/cases")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    page = await anonymous.get("/staff/cases")
    assert page.status_code == 303 and page.headers["location"].startswith("/staff/login")
    document = (await anonymous.get("/openapi.json")).json()
    assert "/api/cases/{case_id}/session/slots" in document["paths"]
    assert "/api/sessions/{session_id}.ics" in document["paths"]


async def test_a_facilitator_sees_only_the_cases_assigned_to_them(scheduling):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    ana = await scheduling.staff(Role.FACILITATOR, username="ana")
    ana_id = await add_facilitator(coordinator, "Ana", username="ana", capacity=1)
    ben_id = await add_facilitator(coordinator, "Ben", capacity=1)
    twice = await coordinator.post("/api/facilitators", json={
        "display_name": "Ana again", "languages": ["en"], "availability": OFFICE_WEEK,
        "staff_username": "ana"})
    assert twice.status_code == 409
    first, second = await opened_case(scheduling), await opened_case(scheduling)
    mine = (await ana.get("/api/cases")).json()
    assert len(mine) == 1 and mine[0]["facilitator_ids"] == [ana_id]
    other = second if mine[0]["case_id"] == first else first
    assert (await coordinator.get(f"/api/cases/{other}")).json()["facilitator_ids"] == [ben_id]
    for path in (f"/api/cases/{other}", f"/api/cases/{other}/timeline", f"/staff/cases/{other}"):
        assert (await ana.get(path)).status_code == 404, path
    moved = await ana.post(f"/api/cases/{other}/meetings", json={
        "party": "victim", "mode": "phone", "starts_at": "2026-03-04T10:00:00-08:00"})
    assert moved.status_code == 404
    assert (await ana.get("/api/wait-list")).status_code == 403
    # Her own hours are hers to change; someone else's are not.
    assert (await ana.put(f"/api/facilitators/{ana_id}/availability", json=OFFICE_WEEK)).status_code == 200
    assert (await ana.put(f"/api/facilitators/{ben_id}/availability", json=OFFICE_WEEK)).status_code == 403


async def test_from_preparation_to_a_rescheduled_dialogue_with_its_invitation(scheduling, clock):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    eli = await add_facilitator(coordinator, "Eli", languages=("en", "es"))
    response = await coordinator.put("/api/facilities/sq", json={"region": "north", "visiting_hours": {
        "weekly": [{"weekday": d, "start": "08:00", "end": "15:00"} for d in range(5)]}})
    assert response.status_code == 200 and response.json()["code"] == "SQ"
    case_id = await opened_case(scheduling, language="es", travel=True)
    victim = f"victim-{case_id[:8]}"

    # Nothing is offered before both parties are ready.
    slots = (await coordinator.get(f"/api/cases/{case_id}/session/slots")).json()
    assert slots["slots"] == [] and "the victim is not yet ready" in slots["blockers"]
    await prepare_both_parties(coordinator, scheduling, case_id)
    other = await opened_case(scheduling)  # Eli's second case: his calendar is shared
    clash = await coordinator.post(f"/api/cases/{other}/meetings", json={
        "party": "victim", "mode": "phone", "starts_at": "2026-03-03T10:30:00-08:00"})
    assert clash.status_code == 422  # in the past by now
    clock.move_to(datetime(2026, 3, 9, 8, tzinfo=ZoneInfo("America/Los_Angeles")))
    await coordinator.post(f"/api/cases/{other}/meetings", json={
        "party": "victim", "mode": "phone", "starts_at": "2026-03-10T09:00:00-07:00"})
    clash = await coordinator.post(f"/api/cases/{case_id}/meetings", json={
        "party": "victim", "mode": "phone", "starts_at": "2026-03-10T10:00:00-07:00"})
    assert clash.status_code == 409 and "already has a meeting" in clash.json()["detail"]

    # Clearances: until every visitor is cleared, no slot; then the earliest fitting ones.
    slots = (await coordinator.get(f"/api/cases/{case_id}/session/slots")).json()
    assert any("no gate clearance" in b for b in slots["blockers"])
    await scheduling.feed(cleared(case_id, victim, VisitorRole.VICTIM, date(2026, 3, 31)),
                          cleared(case_id, eli, VisitorRole.FACILITATOR, date(2026, 12, 31)))
    await coordinator.put(f"/api/cases/{case_id}/victim-availability", json={
        "time_zone": "America/Phoenix",
        "weekly": [{"weekday": 3, "start": "08:00", "end": "14:00"}]})  # Thursdays
    slots = (await coordinator.get(f"/api/cases/{case_id}/session/slots",
                                   params={"duration_minutes": 180})).json()
    assert slots["blockers"] == [] and slots["time_zone"] == "America/Los_Angeles"
    assert [s["starts_at"] for s in slots["slots"]] == [
        "2026-03-12T09:00:00-07:00", "2026-03-19T09:00:00-07:00", "2026-03-26T09:00:00-07:00"]
    late = await coordinator.post(f"/api/cases/{case_id}/session", json={
        "starts_at": "2026-04-02T09:00:00-07:00", "venue": "facility"})
    assert late.status_code == 409
    assert any("expires on 2026-03-31" in e["detail"] for e in late.json()["errors"])

    response = await coordinator.post(f"/api/cases/{case_id}/session", json={
        "starts_at": slots["slots"][0]["starts_at"], "venue": "facility"})
    assert response.status_code == 201, response.text
    session_id = response.json()["session_id"]
    moved = await coordinator.post(f"/api/cases/{case_id}/session/reschedule", json={
        "starts_at": "2026-03-19T09:00:00-07:00"})
    assert moved.status_code == 200, moved.text
    first, second = await scheduling.events("SessionScheduled")
    assert first.starts_at.isoformat() == "2026-03-12T09:00:00-07:00"
    assert (second.session_id, second.sequence, second.facilitator_ids) == (session_id, 1, [eli])
    assert second.ends_at.isoformat() == "2026-03-19T12:00:00-07:00"
    assert moved.json()["travel"]["status"] == "open"

    ics = await coordinator.get(f"/api/sessions/{session_id}.ics",
                                params={"tz": "America/Phoenix", "lang": "es"})
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    [event] = Calendar.from_ical(ics.content).walk("VEVENT")
    assert str(event["summary"]) == "Diálogo entre víctima y ofensor"
    start = event.decoded("dtstart")
    assert start.tzinfo.key == "America/Phoenix" and start.hour == 9  # Phoenix = PDT in March
    assert int(event["sequence"]) == 1 and str(event["uid"]).startswith(session_id)
    assert "SQ" in str(event["location"]) and victim not in ics.text


async def test_holds_and_closes_need_the_right_person_and_a_reason(scheduling):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    facilitator = await scheduling.staff(Role.FACILITATOR, username="fran")
    await add_facilitator(coordinator, "Fran", username="fran")
    case_id = await opened_case(scheduling)
    no_reason = await facilitator.post(f"/api/cases/{case_id}/hold", json={"by": "facilitator"})
    assert no_reason.status_code == 422
    as_director = await facilitator.post(f"/api/cases/{case_id}/hold",
                                         json={"by": "director", "reason": "review"})
    assert as_director.status_code == 403
    as_victim = await facilitator.post(f"/api/cases/{case_id}/hold", json={"by": "victim"})
    assert as_victim.status_code == 422
    unknown = await facilitator.post(f"/api/cases/{case_id}/hold",
                                     json={"by": "offender", "reason_code": "he said so"})
    assert unknown.status_code == 422
    assert unknown.headers["content-type"].startswith("application/problem+json")
    held = await facilitator.post(f"/api/cases/{case_id}/hold",  # an older client: words only
                                  json={"by": "offender", "reason": "needs time"})
    assert held.status_code == 200 and held.json()["on_hold"]
    [paused] = await scheduling.events("CasePaused")
    assert paused.by == "offender" and paused.reason == "other"
    assert held.json()["notes"][0]["note"] == "needs time"
    closed = await coordinator.post(f"/api/cases/{case_id}/close",
                                    json={"by": "director", "reason": "program_decision"})
    assert closed.status_code == 200 and closed.json()["stage"] == "closed"
    [event] = await scheduling.events("CaseClosed")
    assert (event.by, event.reason) == ("director", "program_decision")
    again = await coordinator.post(f"/api/cases/{case_id}/close",
                                   json={"by": "director", "reason": "program_decision"})
    assert again.status_code == 409


async def test_what_a_demo_needs_meetings_recorded_afterwards_then_a_video_dialogue(scheduling):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    await add_facilitator(coordinator, "Eli")
    case_id = await opened_case(scheduling)
    early = await coordinator.post(f"/api/cases/{case_id}/meetings/past", json={
        "party": "victim", "mode": "phone", "starts_at": "2026-03-02T09:00:00-08:00",
        "outcome": "First call."})
    assert early.status_code == 422  # not over yet at 08:00
    for party in ("victim", "offender"):
        response = await coordinator.post(f"/api/cases/{case_id}/meetings/past", json={
            "party": party, "mode": "phone", "starts_at": "2026-03-01T10:00:00-08:00",
            "outcome": "Prepared over the phone."})
        assert response.status_code == 201, response.text
        assert (await coordinator.post(f"/api/cases/{case_id}/parties/{party}/ready", json={})).status_code == 200
    slots = (await coordinator.get(f"/api/cases/{case_id}/session/slots",
                                   params={"venue": "video", "count": 2})).json()
    assert slots["blockers"] == [] and len(slots["slots"]) == 2
    response = await coordinator.post(f"/api/cases/{case_id}/session", json={
        "starts_at": slots["slots"][0]["starts_at"], "venue": "video"})
    assert response.status_code == 201, response.text
    [scheduled] = await scheduling.events("SessionScheduled")
    assert scheduled.venue == "video" and scheduled.starts_at.isoformat() == "2026-03-03T09:00:00-08:00"
    assert await scheduling.events("MeetingScheduled") == []  # nothing to remind anyone of
    timeline = (await coordinator.get(f"/api/cases/{case_id}/timeline")).json()
    assert [t["what"] for t in timeline if not t["what"].startswith("alert")] == [
        "FacilitatorAssigned", "ClearanceRequested", "PartyReady", "PartyReady", "SessionScheduled"]


async def test_staff_words_on_a_hold_stay_sealed_here_and_only_the_code_travels(scheduling):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    await add_facilitator(coordinator, "Fran")
    case_id = await opened_case(scheduling)
    marker = f"Zanzibarmarker{uuid.uuid4().hex[:6]}"
    words = f"victim in hospital at {marker}"
    held = await coordinator.post(f"/api/cases/{case_id}/hold", json={
        "by": "director", "reason_code": "health", "reason": words})
    assert held.status_code == 200, held.text
    resumed = await coordinator.post(f"/api/cases/{case_id}/resume", json={
        "by": "director", "reason_code": "ready_to_continue", "reason": f"{marker} is home"})
    assert resumed.status_code == 200, resumed.text
    closed = await coordinator.post(f"/api/cases/{case_id}/close", json={
        "by": "director", "reason_code": "program_decision", "reason": f"{marker} again"})
    assert closed.status_code == 200, closed.text

    [paused] = await scheduling.events("CasePaused")
    [resumed_event] = await scheduling.events("CaseResumed")
    [closed_event] = await scheduling.events("CaseClosed")
    assert (paused.reason, resumed_event.reason, closed_event.reason) == (
        "health", "ready_to_continue", "program_decision")
    for event in await scheduling.events():  # everything in the outbox
        assert marker not in event.model_dump_json()
    case = (await coordinator.get(f"/api/cases/{case_id}")).json()
    assert [(n["action"], n["reason_code"]) for n in case["notes"]] == [
        ("hold", "health"), ("resume", "ready_to_continue"), ("close", "program_decision")]
    assert case["notes"][0]["note"] == words and case["end_reason"] == "program_decision"
    timeline = await coordinator.get(f"/api/cases/{case_id}/timeline")
    assert timeline.status_code == 200 and marker not in timeline.text  # history: codes only
    page = await coordinator.get(f"/staff/cases/{case_id}")
    assert words in page.text and "Staff notes" in page.text
