"""Scheduling's audit log: each staff decision writes one entry (who, what, which case, from
where, the outcome), in the decision's own transaction; a read of a case's notes or a letter's
words is an entry too, and so is a refused try; the log holds no victim's or staff's words; only
admins read it, as JSON (a period, pages) or as a page linked with the other services' logs."""
import uuid

from sqlalchemy import select

from vod_shared.staff import Role, StaffMember

from scheduling.adapters.orm import audit_log
from scheduling.service_layer import staff_actions as act
from scheduling_tests.conftest import approved, eligible, request
from scheduling_tests.unit.test_following_other_services import add_facilitator
from scheduling_tests.unit.test_letter_api import declined


async def entries(scheduling) -> list:
    async with scheduling.runtime.engine.connect() as conn:
        return (await conn.execute(select(audit_log).order_by(audit_log.c.seq))).all()


async def test_each_decision_and_each_read_of_her_case_writes_one_entry(scheduling):
    coordinator = await scheduling.staff(Role.COORDINATOR, username=f"rosa{uuid.uuid4().hex[:6]}")
    await add_facilitator(coordinator, "Eli")
    case_id = str(uuid.uuid4())
    await scheduling.feed(request(case_id), eligible(case_id), approved(case_id))
    before = len(await entries(scheduling))
    marker = f"Kilimanjaromarker{uuid.uuid4().hex[:6]}"
    steps = [
        ("post", "meetings/past", {"party": "victim", "mode": "phone", "outcome": marker,
                                   "starts_at": "2026-03-01T10:00:00-08:00"}),
        ("post", "parties/victim/ready", {}),
        ("post", "meetings/past", {"party": "offender", "mode": "phone", "outcome": "ok",
                                   "starts_at": "2026-03-01T11:00:00-08:00"}),
        ("post", "parties/offender/ready", {}),
        ("post", "session", {"starts_at": "2026-03-03T09:00:00-08:00", "venue": "video"}),
        ("post", "session/cancel", {"reason": "facility_unavailable"}),
        ("post", "hold", {"by": "director", "reason_code": "health", "reason": marker}),
        ("post", "close", {"by": "director", "reason_code": "program_decision"}),
        ("get", "", None),
    ]
    for method, path, body in steps:
        url = f"/api/cases/{case_id}/{path}".rstrip("/")
        response = await (coordinator.get(url) if method == "get"
                          else coordinator.post(url, json=body))
        assert response.status_code in (200, 201), (path, response.text)
    refused = await coordinator.post(f"/api/cases/{case_id}/session/held", json={})
    assert refused.status_code == 409

    rows = (await entries(scheduling))[before:]
    assert [(r.action, r.outcome) for r in rows] == [
        ("meeting.record_past", "done"), ("party.ready", "done"),
        ("meeting.record_past", "done"), ("party.ready", "done"),
        ("session.schedule", "done"), ("session.cancel", "done"), ("case.hold", "done"),
        ("case.close", "done"), ("case.read", "done"), ("session.held", "refused_not_now")]
    assert {(r.username, r.case_id) for r in rows} == {(coordinator.username, case_id)}
    assert rows[1].detail == "victim" and rows[6].path == f"/api/cases/{case_id}/hold"
    assert all(r.address and r.method in ("GET", "POST") for r in rows)
    assert not any(marker in str(tuple(r)) for r in rows)  # her words and staff's: never


async def test_a_letters_words_read_is_audited_and_a_stranger_is_refused_on_the_record(
        scheduling):
    case_id = str(uuid.uuid4())
    await scheduling.feed(request(case_id), eligible(case_id), declined(case_id))
    coordinator = await scheduling.staff(Role.COORDINATOR)
    facilitator = await scheduling.staff(Role.FACILITATOR)  # not assigned to this case
    base = f"/api/cases/{case_id}/letters"
    received = await coordinator.post(base, json={"received_on": "2026-04-03", "text": "Sorry."})
    letter_id = received.json()[0]["letter_id"]
    assert (await coordinator.get(base)).status_code == 200
    assert (await facilitator.get(base)).status_code == 404
    rows = [r for r in await entries(scheduling) if r.case_id == case_id]
    assert [(r.username, r.action, r.outcome) for r in rows] == [
        (coordinator.username, "letter.receive", "done"),
        (coordinator.username, "letters.read", "done"),
        (facilitator.username, "letters.read", "refused_not_found")]
    assert letter_id not in (rows[0].detail or "")  # a new letter's id is in its event


async def test_admins_read_the_log_as_json_by_period_and_page_and_as_a_linked_page(
        scheduling, clock):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    await add_facilitator(coordinator, "Eli")
    case_id = str(uuid.uuid4())
    await scheduling.feed(request(case_id), eligible(case_id), approved(case_id))
    for party in ("victim", "offender"):
        await coordinator.post(f"/api/cases/{case_id}/meetings/past", json={
            "party": party, "mode": "phone", "outcome": "ok",
            "starts_at": "2026-03-01T10:00:00-08:00"})
    admin = await scheduling.staff(Role.ADMIN)

    found = (await admin.get("/api/audit", params={"case_id": case_id, "limit": 1})).json()
    assert found["count"] == 2 and [i["action"] for i in found["items"]] == [
        "meeting.record_past"]
    later = (await admin.get("/api/audit", params={"from": "2026-03-02T17:00:00Z"})).json()
    assert later["count"] == 0  # the clock stands at 08:00 Pacific, 16:00 UTC
    period = await admin.get("/api/audit", params={"from": "2026-03-02T15:00:00Z",
                                                   "to": "2026-03-02T17:00:00Z"})
    assert period.json()["count"] >= 3  # the two decisions, the facilitator, the reads

    page = await admin.get("/staff/audit", params={"case_id": case_id})
    assert page.status_code == 200 and "meeting.record_past" in page.text
    assert "Audit logs:" in page.text and ':8002/staff/audit">Screening</a>' in page.text
    assert "Content-Security-Policy" in page.headers

    for who in (coordinator, await scheduling.staff(Role.FACILITATOR)):
        refused = await who.get("/staff/audit")
        assert refused.status_code == 403 and refused.headers["content-type"].startswith(
            "text/html")
        assert (await who.get("/api/audit")).status_code == 403



async def test_an_action_its_route_did_not_name_is_audited_by_its_own_name(scheduling):
    """A route added without naming its action (another branch's, say) is still audited."""
    coordinator = await scheduling.staff(Role.COORDINATOR)
    await add_facilitator(coordinator, "Eli")
    case_id = str(uuid.uuid4())
    await scheduling.feed(request(case_id), eligible(case_id), approved(case_id))
    service = scheduling.app.state.service
    member = StaffMember(coordinator.username, "Rosa", frozenset({Role.COORDINATOR}))
    await service.on_case(member, case_id, act.on_case, act=lambda case, now: (
        case.request_clearance(reason="staff_request", now=now)))
    await service.on_case(member, case_id, act.set_victim_availability, hours=None)
    rows = [r for r in await entries(scheduling) if r.case_id == case_id]
    assert [(r.username, r.action, r.outcome) for r in rows] == [
        (coordinator.username, "case.change", "done"),
        (coordinator.username, "set_victim_availability", "done")]
