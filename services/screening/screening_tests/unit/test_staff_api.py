"""The staff JSON API: the work queue, the case, and each decision, as a tool would use them."""
from datetime import datetime, timedelta, timezone

from vod_shared.staff import Role

from ..conftest import custody_change, new_cdcr_number, request_for

T0 = datetime(2026, 11, 2, 17, tzinfo=timezone.utc)


async def in_prison(screening, facility: str = "SQ") -> str:
    cdcr = new_cdcr_number()
    await screening.post(custody_change(cdcr_number=cdcr, change="admission",
                                        facility_code=facility,
                                        effective_at="2026-01-05T09:00:00-08:00"))
    return cdcr


async def open_case(screening, cdcr: str | None = None, *, at: datetime | None = None) -> str:
    if at:
        screening.clock.set(at)
    request = request_for(cdcr or new_cdcr_number())
    await screening.apply(request)
    return request.case_id


async def test_the_queue_holds_cases_waiting_on_a_screener_oldest_first(screening):
    eligible = await open_case(screening, await in_prison(screening, "CMF"), at=T0)
    oldest = await open_case(screening, at=T0 - timedelta(days=12))
    newest = await open_case(screening, at=T0 + timedelta(hours=20))
    screening.clock.set(T0 + timedelta(days=1))
    screener = await screening.staff(Role.SCREENER)

    answer = (await screener.get("/api/queue")).json()
    assert answer["count"] == 3
    assert [i["case_id"] for i in answer["items"]] == [oldest, eligible, newest]
    first = answer["items"][0]
    assert (first["stage"], first["waited"], first["waited_hours"]) == (
        "needs_review", "13 days", 13 * 24)
    assert answer["items"][1]["stage"] == "awaiting_screening"
    assert answer["items"][1]["facility_code"] == "CMF"
    assert answer["items"][2]["waited"] == "4 hours"


async def test_the_queue_filters_by_stage_facility_and_reference(screening):
    eligible = await open_case(screening, await in_prison(screening, "CMF"))
    review = await open_case(screening)
    screener = await screening.staff(Role.SCREENER)

    async def ids(**params) -> list[str]:
        answer = (await screener.get("/api/queue", params=params)).json()
        assert answer["count"] == len(answer["items"])
        return [i["case_id"] for i in answer["items"]]

    assert await ids(stage="needs_review") == [review]
    assert await ids(stage="awaiting_screening") == [eligible]
    assert await ids(facility="cmf") == [eligible]
    assert set(await ids(q="vod-2026")) == {eligible, review}
    assert (await screener.get("/api/queue", params={"stage": "lunch"})).status_code == 422


async def test_a_paused_case_leaves_the_queue_unless_asked_for(screening):
    from vod_shared.events import CasePaused

    case_id = await open_case(screening)
    await screening.apply(CasePaused(case_id=case_id, by="victim", at=T0))
    screener = await screening.staff(Role.SCREENER)
    assert (await screener.get("/api/queue")).json()["count"] == 0
    paused = (await screener.get("/api/queue", params={"include_paused": "true"})).json()
    assert [(i["case_id"], i["paused"]) for i in paused["items"]] == [(case_id, True)]


async def test_deciding_by_hand_publishes_eligibility_and_moves_the_case_on(screening):
    case_id = await open_case(screening)
    screener = await screening.staff(Role.SCREENER, username="rosa")
    response = await screener.post(f"/api/cases/{case_id}/eligibility", json={
        "outcome": "eligible", "reason": "in_state_prison", "facility_code": "sq"})
    assert response.status_code == 200, response.text
    assert response.json() == {"case_id": case_id, "stage": "awaiting_screening"}
    decision = (await screening.events("vod.screening"))[-1]
    assert (decision.type, decision.subject) == ("vod.EligibilityDetermined.v1", case_id)
    assert (decision.data.outcome, decision.data.facility_code, decision.data.decided_by) == (
        "eligible", "SQ", "rosa")
    again = await screener.post(f"/api/cases/{case_id}/eligibility", json={
        "outcome": "ineligible", "reason": "deceased"})
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"


async def test_a_decision_that_does_not_hold_is_refused_naming_the_field(screening):
    case_id = await open_case(screening)
    screener = await screening.staff(Role.SCREENER)
    missing = await screener.post(f"/api/cases/{case_id}/eligibility", json={
        "outcome": "eligible", "reason": "in_state_prison"})
    assert missing.status_code == 422
    assert missing.json()["errors"] == [{"field": "facility_code", "detail": (
        "Say which prison: the facility's code, such as SQ.")}]
    unknown = await screener.post(f"/api/cases/{case_id}/eligibility", json={
        "outcome": "maybe", "reason": "x", "agreement": "none"})
    assert {e["field"] for e in unknown.json()["errors"]} == {"outcome", "agreement"}
    assert await screening.events("vod.screening") == [
        e for e in await screening.events("vod.screening") if e.data.decided_by == "system"]


async def test_the_suitability_screening_and_the_indirect_path(screening):
    approved = await open_case(screening, await in_prison(screening))
    declined = await open_case(screening, await in_prison(screening))
    screener = await screening.staff(Role.SCREENER, username="rosa")
    yes = {"offender_consents": True, "offender_acknowledges_responsibility": True,
           "safety_concerns": False, "victim_ready": True}
    ok = await screener.post(f"/api/cases/{approved}/screening", json={**yes,
                                                                       "outcome": "approved"})
    assert ok.json()["stage"] == "approved"
    no = await screener.post(f"/api/cases/{declined}/screening", json={
        **yes, "offender_consents": False, "outcome": "declined"})
    assert no.json()["stage"] == "declined"
    unsound = await screener.post(f"/api/cases/{declined}/screening",
                                  json={**yes, "outcome": "approved"})
    assert unsound.status_code == 409
    done = [e.data for e in await screening.events("vod.screening")
            if e.type == "vod.ScreeningCompleted.v1"]
    assert [(d.case_id, d.outcome, d.reasons, d.indirect_path_offered) for d in done] == [
        (approved, "approved", [], False), (declined, "declined", ["offender_declined"], True)]
    case = (await screener.get(f"/api/cases/{declined}")).json()
    assert case["suitability"]["indirect_path_offered"] is True
    assert "agreement" not in str(case)


async def test_gate_clearance_requested_granted_denied_and_listed_when_expiring(screening):
    case_id = await open_case(screening, await in_prison(screening))
    screener = await screening.staff(Role.SCREENER, username="rosa")
    yes = {"offender_consents": True, "offender_acknowledges_responsibility": True,
           "safety_concerns": False, "victim_ready": True, "outcome": "approved"}
    await screener.post(f"/api/cases/{case_id}/screening", json=yes)
    case = (await screener.get(f"/api/cases/{case_id}")).json()
    victim = case["requester_id"]
    asked = await screener.post(f"/api/cases/{case_id}/clearances", json={
        "visitor_id": victim, "visitor_role": "victim", "facility_code": "SQ"})
    assert asked.status_code == 201
    clearance = asked.json()["clearance_id"]
    twice = await screener.post(f"/api/cases/{case_id}/clearances", json={
        "visitor_id": victim, "visitor_role": "victim", "facility_code": "SQ"})
    assert twice.status_code == 409
    stranger = await screener.post(f"/api/cases/{case_id}/clearances", json={
        "visitor_id": "someone", "visitor_role": "support_person", "facility_code": "SQ"})
    assert stranger.status_code == 422
    today = datetime.now(timezone.utc).date()
    soon = today + timedelta(days=20)
    granted = await screener.post(f"/api/cases/{case_id}/clearances/{clearance}/grant",
                                  json={"expires_on": soon.isoformat()})
    assert granted.status_code == 200, granted.text
    late = await screener.post(f"/api/cases/{case_id}/clearances/{clearance}/grant",
                               json={"expires_on": soon.isoformat()})
    assert late.status_code == 409

    [expiring] = (await screener.get("/api/clearances/expiring")).json()
    assert (expiring["clearance_id"], expiring["expires_on"], expiring["reference"]) == (
        clearance, soon.isoformat(), "VOD-2026-000001")
    withdrawn = await screener.post(f"/api/cases/{case_id}/clearances/{clearance}/deny",
                                    json={"reason": "withdrawn_by_facility"})
    assert withdrawn.status_code == 200
    assert (await screener.get("/api/clearances/expiring")).json() == []
    published = [(e.type, e.data.clearance_id) for e in await screening.events("vod.screening")
                 if "Clearance" in e.type]
    assert published == [("vod.ClearanceGranted.v1", clearance),
                         ("vod.ClearanceDenied.v1", clearance)]
    missing = await screener.post(f"/api/cases/{case_id}/clearances/nope/grant",
                                  json={"expires_on": soon.isoformat()})
    assert missing.status_code == 404


async def test_the_case_answers_with_its_state_people_and_timeline(screening):
    case_id = await open_case(screening)
    coordinator = await screening.staff(Role.COORDINATOR)
    case = (await coordinator.get(f"/api/cases/{case_id}")).json()
    assert (case["stage"], case["status"], case["paused"]) == ("needs_review", "open", False)
    assert case["waiting_on"] == [{"on": "Screening", "what": (
        "A decision by hand: the offender is not in the custody registry.")}]
    assert [t["type"] for t in case["timeline"]] == ["vod.RequestReceived.v1",
                                                     "vod.EligibilityDetermined.v1"]
    assert [v["role"] for v in case["visitors"]] == ["victim"]
    assert (await coordinator.get("/api/cases/unknown")).status_code == 404
