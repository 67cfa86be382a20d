"""The staff pages: the case page's forms work with the CSRF token and not without it, the
calendar shows what was scheduled, and a refusal is explained on the page."""
import re
import uuid

from vod_shared.staff import Role

from scheduling_tests.conftest import approved, eligible, request
from scheduling_tests.unit.test_following_other_services import add_facilitator


def token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


async def test_a_coordinator_schedules_a_meeting_from_the_case_page(scheduling):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    await add_facilitator(coordinator, "Eli")
    case_id = str(uuid.uuid4())
    await scheduling.feed(request(case_id), eligible(case_id), approved(case_id))

    page = await coordinator.get(f"/staff/cases/{case_id}")
    assert page.status_code == 200 and "Content-Security-Policy" in page.headers
    assert '<label for="m-date">Date</label>' in page.text and "Eli" in page.text
    form = {"party": "offender", "mode": "in_person", "date": "2026-03-05", "time": "10:00",
            "minutes": "90", "place": "SQ visiting room B"}
    forged = await coordinator.post(f"/staff/cases/{case_id}/meetings", data=form)
    assert forged.status_code == 403
    done = await coordinator.post(f"/staff/cases/{case_id}/meetings",
                                  data={**form, "csrf_token": token(page.text)})
    assert done.status_code == 303, done.text
    shown = await coordinator.get(done.headers["location"])
    assert "The meeting is scheduled." in shown.text and "SQ visiting room B" in shown.text
    [meeting] = await scheduling.events("MeetingScheduled")
    assert meeting.starts_at.isoformat() == "2026-03-05T10:00:00-08:00"

    refused = await coordinator.post(f"/staff/cases/{case_id}/parties/victim/ready",
                                     data={"csrf_token": token(page.text)})
    assert refused.status_code == 409 and "no preparation meeting yet" in refused.text

    week = await coordinator.get("/staff/calendar", params={"from": "2026-03-02"})
    assert week.status_code == 200
    assert "Meeting with the offender (in person)" in week.text and "10:00–11:30" in week.text


async def test_the_cases_page_lists_the_wait_list_and_alerts(scheduling):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    case_id = str(uuid.uuid4())
    await scheduling.feed(request(case_id), eligible(case_id), approved(case_id))
    page = await coordinator.get("/staff/cases")
    assert page.status_code == 200
    assert "Wait list" in page.text and f"/staff/cases/{case_id}" in page.text


async def test_a_hold_from_the_case_page_sends_its_code_and_keeps_the_note_here(scheduling):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    await add_facilitator(coordinator, "Eli")
    case_id = str(uuid.uuid4())
    await scheduling.feed(request(case_id), eligible(case_id), approved(case_id))
    page = await coordinator.get(f"/staff/cases/{case_id}")
    assert '<option value="facility_lockdown">' in page.text
    form = {"by": "director", "action": "hold", "reason_code": "facility_lockdown",
            "reason": "yard incident, wing C", "csrf_token": token(page.text)}
    unknown = await coordinator.post(f"/staff/cases/{case_id}/hold",
                                     data={**form, "reason_code": "gossip"})
    assert unknown.status_code == 422 and unknown.headers["content-type"].startswith("text/html")
    assert "The form was not complete" in unknown.text and "reason code" in unknown.text
    done = await coordinator.post(f"/staff/cases/{case_id}/hold", data=form)
    assert done.status_code == 303, done.text
    [paused] = await scheduling.events("CasePaused")
    assert paused.reason == "facility_lockdown"
    shown = await coordinator.get(done.headers["location"])
    assert "yard incident, wing C" in shown.text


async def test_the_case_page_names_the_case_by_its_reference_and_tells_its_history(scheduling):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    await add_facilitator(coordinator, "Eli", languages=("en", "es"))
    case_id = str(uuid.uuid4())
    await scheduling.feed(request(case_id, language="es"), eligible(case_id), approved(case_id))
    page = await coordinator.get(f"/staff/cases/{case_id}")
    form = {"party": "offender", "mode": "in_person", "date": "2026-03-05", "time": "10:00",
            "place": "SQ", "csrf_token": token(page.text)}
    done = await coordinator.post(f"/staff/cases/{case_id}/meetings", data=form)
    assert done.status_code == 303, done.text

    page = await coordinator.get(f"/staff/cases/{case_id}")
    assert "<h1>VOD-2026-000001:" in page.text and case_id[:8] + "<" not in page.text
    assert "The victim reads Spanish." in page.text and "language: es" not in page.text
    assert "Facilitators assigned: Eli." in page.text
    assert ("Preparation meeting with the offender in person set for Thu 5 Mar 2026, 10:00 PST."
            in page.text)
    assert "FacilitatorAssigned" not in page.text and "MeetingScheduled" not in page.text
    # the same case in screening, one click away (this test's host, screening's port)
    assert f'href="http://scheduling:8002/staff/cases/{case_id}"' in page.text
    for listing in ("/staff/cases", "/staff/calendar?from=2026-03-02"):
        assert "VOD-2026-000001" in (await coordinator.get(listing)).text


async def test_refusals_under_staff_are_pages_with_the_workspace_header(scheduling):
    intake_member = await scheduling.staff(Role.INTAKE)  # no scheduling role
    refused = await intake_member.get("/staff/calendar")
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("text/html")
    assert "Not allowed" in refused.text and 'aria-label="Staff workspace"' in refused.text
    coordinator = await scheduling.staff(Role.COORDINATOR)
    missing = await coordinator.get(f"/staff/cases/{uuid.uuid4()}")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    api = await coordinator.get(f"/api/cases/{uuid.uuid4()}")
    assert api.headers["content-type"] == "application/problem+json"  # the API stays JSON


async def test_a_screener_reads_a_cases_schedule_and_changes_nothing(scheduling):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    await add_facilitator(coordinator, "Eli")
    case_id = str(uuid.uuid4())
    await scheduling.feed(request(case_id), eligible(case_id), approved(case_id))
    screener = await scheduling.staff(Role.SCREENER)
    page = await screener.get(f"/staff/cases/{case_id}")
    assert page.status_code == 200 and "VOD-2026-000001" in page.text
    assert "Eli" in page.text and "<form method=\"post\" action=\"/staff/cases/" not in page.text
    assert "You are reading this schedule" in page.text
    assert f'/staff/cases/{case_id}' in (await screener.get("/staff/cases")).text
    # the forms' routes refuse a screener, as the API does
    tried = await screener.post(f"/staff/cases/{case_id}/parties/victim/ready",
                                data={"csrf_token": token(page.text)})
    assert tried.status_code == 403
    assert (await screener.get(f"/api/cases/{case_id}")).status_code == 403
    assert await scheduling.events("PartyReady") == []
