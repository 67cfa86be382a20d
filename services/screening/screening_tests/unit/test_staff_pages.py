"""The staff pages, as a browser without JavaScript sees them: the queue, the case, the forms."""
import re
from datetime import datetime, timedelta, timezone

from vod_shared.staff import Role

from ..conftest import request_for
from .test_staff_api import in_prison, open_case

NOW = datetime.now(timezone.utc)


def token(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


async def named_case(screening, cdcr: str | None = None) -> str:
    request = request_for(cdcr or "AB1234")
    await screening.apply(screening.person(request.requester_id, email="ana@example.org"),
                          subject=request.requester_id)
    await screening.grant(request.requester_id)
    await screening.apply(request)
    return request.case_id


async def test_the_queue_page_counts_and_lists_cases_with_labelled_filters(screening):
    case_id = await open_case(screening)
    screener = await screening.staff(Role.SCREENER)
    page = await screener.get("/staff/queue")
    assert page.status_code == 200
    assert "1 case waiting" in page.text and f'href="/staff/cases/{case_id}"' in page.text
    for field in ("stage", "facility", "q", "include_paused"):
        assert f'<label for="{field}"' in page.text
    assert "<script" not in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    filtered = await screener.get("/staff/queue", params={"stage": "awaiting_screening"})
    assert "0 cases waiting" in filtered.text
    odd = await screener.get("/staff/queue", params={"stage": "lunch", "include_paused": "x"})
    assert odd.status_code == 200 and "1 case waiting" in odd.text
    assert (await screener.get("/staff/")).headers["location"] == "/staff/queue"


async def test_the_case_page_shows_the_requesters_name_but_never_their_contact(screening):
    case_id = await named_case(screening)
    screener = await screening.staff(Role.SCREENER)
    page = await screener.get(f"/staff/cases/{case_id}")
    assert page.status_code == 200
    assert "Ana López" in page.text
    assert "ana@example.org" not in page.text and "6195550100" not in page.text
    assert "Dialogue requested by the victim" in page.text
    assert "Decide eligibility by hand" in page.text


async def test_deciding_by_hand_through_the_form(screening):
    case_id = await named_case(screening)
    screener = await screening.staff(Role.SCREENER, username="rosa")
    page = await screener.get(f"/staff/cases/{case_id}")
    answer = await screener.post(f"/staff/cases/{case_id}/eligibility", data={
        "csrf_token": token(page), "outcome": "eligible", "reason": "in_state_prison",
        "facility_code": "sq"})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/staff/cases/{case_id}?done=eligibility"
    after = await screener.get(answer.headers["location"])
    assert "Eligibility decided and announced." in after.text
    assert "Suitability screening" in after.text
    decision = (await screening.events("vod.screening"))[-1].data
    assert (decision.outcome, decision.facility_code, decision.decided_by) == (
        "eligible", "SQ", "rosa")


async def test_a_form_that_does_not_hold_comes_back_with_the_message_beside_the_field(screening):
    case_id = await named_case(screening)
    screener = await screening.staff(Role.SCREENER)
    page = await screener.get(f"/staff/cases/{case_id}")
    answer = await screener.post(f"/staff/cases/{case_id}/eligibility", data={
        "csrf_token": token(page), "outcome": "eligible", "reason": "in_state_prison",
        "facility_code": ""})
    assert answer.status_code == 422
    assert 'id="eligible-facility_code-error">Say which prison' in answer.text
    assert 'aria-invalid="true" aria-describedby="eligible-facility_code-error"' in answer.text
    assert 'value="in_state_prison" checked' in answer.text  # what was chosen is kept
    nothing = await screener.post(f"/staff/cases/{case_id}/eligibility", data={
        "csrf_token": token(page), "outcome": "ineligible"})
    assert 'id="ineligible-reason-error">Choose a reason.' in nothing.text
    assert [ev.data.decided_by for ev in await screening.events("vod.screening")] == ["system"]


async def test_a_form_without_its_token_changes_nothing(screening):
    case_id = await named_case(screening)
    screener = await screening.staff(Role.SCREENER)
    answer = await screener.post(f"/staff/cases/{case_id}/eligibility", data={
        "outcome": "ineligible", "reason": "deceased"})
    assert answer.status_code == 403 and "The form has expired" in answer.text
    assert len(await screening.events("vod.screening")) == 1


async def test_screening_and_clearances_through_the_forms(screening):
    case_id = await named_case(screening, await in_prison(screening))
    screener = await screening.staff(Role.SCREENER)
    page = await screener.get(f"/staff/cases/{case_id}")
    incomplete = await screener.post(f"/staff/cases/{case_id}/screening", data={
        "csrf_token": token(page), "offender_consents": "yes", "outcome": "approved"})
    assert incomplete.status_code == 422 and "Answer yes or no." in incomplete.text
    approved = await screener.post(f"/staff/cases/{case_id}/screening", data={
        "csrf_token": token(page), "offender_consents": "yes",
        "offender_acknowledges_responsibility": "yes", "safety_concerns": "no",
        "victim_ready": "yes", "outcome": "approved"})
    assert approved.status_code == 303
    page = await screener.get(f"/staff/cases/{case_id}")
    victim = re.search(r'<option value="(victim:[^"]+)"', page.text).group(1)
    assert "The victim (Ana López)" in page.text
    asked = await screener.post(f"/staff/cases/{case_id}/clearances", data={
        "csrf_token": token(page), "visitor": victim, "facility_code": "SQ"})
    assert asked.status_code == 303
    page = await screener.get(asked.headers["location"])
    grant = re.search(r'action="(/staff/cases/[^"]+/grant)"', page.text).group(1)
    too_late = (NOW + timedelta(days=400)).date().isoformat()
    refused = await screener.post(grant, data={"csrf_token": token(page),
                                               "expires_on": too_late})
    assert refused.status_code == 422 and "at most a year" in refused.text
    granted = await screener.post(grant, data={
        "csrf_token": token(page), "expires_on": (NOW + timedelta(days=90)).date().isoformat()})
    assert granted.status_code == 303
    assert "Gate clearance granted and announced." in (
        await screener.get(granted.headers["location"])).text
    types = [ev.type for ev in await screening.events("vod.screening")]
    assert types[-2:] == ["vod.ScreeningCompleted.v1", "vod.ClearanceGranted.v1"]


async def test_the_expiring_clearances_and_audit_pages(screening):
    admin = await screening.staff(Role.ADMIN, Role.SCREENER)
    assert "No gate clearance lapses" in (await admin.get("/staff/clearances")).text
    case_id = await open_case(screening)
    await admin.get(f"/staff/cases/{case_id}")
    audit = await admin.get("/staff/audit")
    assert audit.status_code == 200 and "case.read" in audit.text
