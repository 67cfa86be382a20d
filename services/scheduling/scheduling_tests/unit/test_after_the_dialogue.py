"""After the dialogue, through the API: it is recorded as held (once the out-of-state victim's
travel is done), follow-up is booked, survey answers are kept, and a lockdown on the day of a
dialogue tells staff."""
import uuid
from datetime import date, timedelta

from vod_shared.events import VisitorRole
from vod_shared.staff import Role

from scheduling_tests.conftest import approved, cleared, eligible, request
from scheduling_tests.unit.test_following_other_services import add_facilitator


async def ready_case(scheduling, client, **kwargs) -> str:
    case_id = str(uuid.uuid4())
    await scheduling.feed(request(case_id, **kwargs), eligible(case_id), approved(case_id))
    for party in ("victim", "offender"):
        await client.post(f"/api/cases/{case_id}/meetings/past", json={
            "party": party, "mode": "phone", "starts_at": "2026-03-01T10:00:00-08:00",
            "outcome": "Prepared."})
        await client.post(f"/api/cases/{case_id}/parties/{party}/ready", json={})
    return case_id


async def test_held_then_followed_up_and_surveyed(scheduling, clock):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    await add_facilitator(coordinator, "Eli")
    case_id = await ready_case(scheduling, coordinator, travel=True)
    await coordinator.put("/api/facilities/SQ", json={"visiting_hours": {
        "weekly": [{"weekday": d, "start": "08:00", "end": "15:00"} for d in range(5)]}})
    case = (await coordinator.get(f"/api/cases/{case_id}")).json()
    for visitor, role in ((case["victim_id"], VisitorRole.VICTIM),
                          (case["facilitator_ids"][0], VisitorRole.FACILITATOR)):
        await scheduling.feed(cleared(case_id, visitor, role, date(2026, 6, 30)))
    scheduled = await coordinator.post(f"/api/cases/{case_id}/session", json={
        "starts_at": "2026-03-12T09:00:00-07:00", "venue": "facility"})
    assert scheduled.status_code == 201, scheduled.text

    lockdown = await coordinator.post("/api/facilities/SQ/blackouts", json={
        "first_day": "2026-03-12", "last_day": "2026-03-13", "reason": "lockdown"})
    assert lockdown.status_code == 200
    assert "facility_blackout" in [a["kind"] for a in (await coordinator.get("/api/alerts")).json()]

    clock.move_to(clock() + timedelta(days=10, hours=5))  # 12 March, 13:00 Pacific
    early = await coordinator.post(f"/api/cases/{case_id}/session/held", json={})
    assert early.status_code == 409 and "travel" in early.json()["detail"]
    assert (await coordinator.post(f"/api/cases/{case_id}/travel/done", json={})).status_code == 200
    held = await coordinator.post(f"/api/cases/{case_id}/session/held", json={})
    assert held.status_code == 200 and held.json()["stage"] == "follow_up"
    [completed] = await scheduling.events("SessionCompleted")
    assert completed.session_id == scheduled.json()["session_id"]

    follow = await coordinator.post(f"/api/cases/{case_id}/meetings", json={
        "party": "victim", "mode": "video", "starts_at": "2026-03-17T10:00:00-07:00",
        "follow_up": True})
    assert follow.status_code == 201, follow.text
    surveys = held.json()["surveys"]
    enrollment = next(s for s in surveys if s["stage"] == "enrollment" and s["party"] == "victim")
    answers = f"/api/cases/{case_id}/surveys/{enrollment['survey_id']}/answers"
    bad = await coordinator.post(answers, json={"answers": {"felt_safe": 9}})
    assert bad.status_code == 422
    good = await coordinator.post(answers, json={"answers": {"felt_safe": 5, "felt_heard": 4}})
    answered = next(s for s in good.json()["surveys"] if s["survey_id"] == enrollment["survey_id"])
    assert answered["status"] == "answered" and answered["answers"]["felt_heard"] == 4
    later = {(s["stage"], s["due_at"][:10]) for s in good.json()["surveys"]
             if s["status"] == "pending" and s["party"] == "victim"}
    assert later == {("after_dialogue", "2026-03-26"), ("months_later", "2026-09-08")}
