"""Intake's staff pages in the one workspace: the lists show no personal data; a case's contact
details and notes are one click further for the staff who call her (intake and screener), and
every view and every refused try is in the audit log, which the store keeps append-only."""
import json
import re

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from vod_devtools.staff_testing import add_staff, sign_in
from vod_shared.staff import Role

from intake.adapters import orm

from ..conftest import dialogue_request


async def _client(intake, tmp_path, username: str | None, *roles: Role) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=intake.app),
                               base_url="http://intake.test")
    if username:
        await sign_in(client, add_staff(tmp_path / "staff.toml", username, *roles))
    return client


async def _audit(intake) -> list:
    async with intake.runtime.engine.connect() as conn:
        return list(await conn.execute(select(orm.audit_log).order_by(orm.audit_log.c.seq)))


async def test_the_lists_show_no_personal_data_and_the_contact_is_one_audited_click_away(
        intake, tmp_path):
    rosa = await _client(intake, tmp_path, "rosa", Role.INTAKE)
    case = (await rosa.post("/api/requests", json=dialogue_request())).json()
    await rosa.post(f"/api/cases/{case['case_id']}/pause", json={"reason": "Call after 5pm"})

    home = await rosa.get("/staff/")
    assert home.status_code == 200 and case["reference"] in home.text
    assert 'aria-label="Staff workspace"' in home.text
    page = await rosa.get(f"/staff/cases/{case['case_id']}")
    assert case["reference"] in page.text and "AB1234" in page.text
    for personal in ("López", "ana.lopez@example.org", "6195550100", "Doe", "por la tarde",
                     "after 5pm"):
        assert personal not in home.text and personal not in page.text
    # The two decisions are in the log (ids and actions, never her words); the lists are not.
    decisions = await _audit(intake)
    assert [(e.username, e.action, e.outcome, e.case_id) for e in decisions] == [
        ("rosa", "request.phone", "done", case["case_id"]),
        ("rosa", "case.pause", "done", case["case_id"])]
    assert not any("5pm" in str(tuple(e)) or "López" in str(tuple(e)) for e in decisions)

    assert f'href="/staff/cases/{case["case_id"]}/contact"' in page.text  # the one click
    shown = await rosa.get(f"/staff/cases/{case['case_id']}/contact")
    for personal in ("Ana", "López", "ana.lopez@example.org", "+16195550100", "John Doe",
                     "Prefiere que la llamen por la tarde.", "Call after 5pm"):
        assert personal in shown.text, personal
    assert "This view is logged with your name" in shown.text

    [entry] = (await _audit(intake))[len(decisions):]
    assert (entry.username, entry.action, entry.outcome, entry.case_id, entry.path) == (
        "rosa", "contact.read", "done", case["case_id"],
        f"/staff/cases/{case['case_id']}/contact")


async def test_who_may_not_see_her_contact_gets_a_page_and_the_try_is_audited(intake, tmp_path):
    rosa = await _client(intake, tmp_path, "rosa", Role.INTAKE)
    case = (await rosa.post("/api/requests", json=dialogue_request())).json()
    path = f"/staff/cases/{case['case_id']}/contact"
    coordinator = await _client(intake, tmp_path, "cora", Role.COORDINATOR)
    case_page = await coordinator.get(f"/staff/cases/{case['case_id']}")
    assert case_page.status_code == 200 and path not in case_page.text
    refused = await coordinator.get(path)
    assert refused.status_code == 403 and "text/html" in refused.headers["content-type"]
    assert "López" not in refused.text and "Not allowed" in refused.text
    screener = await _client(intake, tmp_path, "sam", Role.SCREENER)
    assert "López" in (await screener.get(path)).text
    assert (await screener.get("/staff/cases/nope/contact")).status_code == 404
    anonymous = await _client(intake, tmp_path, None)
    sent_away = await anonymous.get(path, follow_redirects=False)
    assert sent_away.status_code == 303 and sent_away.headers["location"].startswith(
        "/staff/login?next=")

    assert [(e.username, e.outcome, e.case_id) for e in await _audit(intake)] == [
        ("rosa", "done", case["case_id"]),  # the request she took by phone
        ("cora", "refused_role", case["case_id"]), ("sam", "done", case["case_id"]),
        ("sam", "refused_not_found", "nope"), (None, "refused_unauthenticated", case["case_id"])]


async def test_the_audit_log_cannot_be_changed(intake, tmp_path):
    rosa = await _client(intake, tmp_path, "rosa", Role.INTAKE)
    case = (await rosa.post("/api/requests", json=dialogue_request())).json()
    await rosa.get(f"/staff/cases/{case['case_id']}/contact")
    with pytest.raises(DBAPIError, match="append-only"):
        async with intake.runtime.engine.begin() as conn:
            await conn.execute(update(orm.audit_log).values(username="someone-else"))
    assert [(e.username, e.action) for e in await _audit(intake)] == [
        ("rosa", "request.phone"), ("rosa", "contact.read")]


async def test_a_member_without_an_intake_role_sees_a_not_allowed_page(intake, tmp_path):
    facilitator = await _client(intake, tmp_path, "fay", Role.FACILITATOR)
    refused = await facilitator.get("/staff/")
    assert refused.status_code == 403 and "text/html" in refused.headers["content-type"]
    assert "Not allowed" in refused.text and 'aria-label="Staff workspace"' in refused.text
    assert (await facilitator.get("/staff/no-such-page")).status_code == 404


async def test_a_request_taken_by_phone_from_the_form(intake, tmp_path):
    rosa = await _client(intake, tmp_path, "rosa", Role.INTAKE)
    form = await rosa.get("/staff/requests/new")
    assert form.status_code == 200 and "Take a request by phone" in form.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    typed = {"csrf_token": token, "kind": "dialogue_request", "given_name": "Ana",
             "family_name": "", "relationship": "victim", "phone": "555",
             "preferred_channel": "sms", "preferred_language": "es", "cdcr_number": "12"}
    refused = await rosa.post("/staff/requests", data=typed)
    assert refused.status_code == 422
    for field in ("phone", "cdcr_number"):  # every problem at once, beside its field
        assert f'id="{field}-error"' in refused.text, field
    assert 'value="Ana"' in refused.text  # what was typed is kept
    assert await intake.outbox() == []

    taken = await rosa.post("/staff/requests", data={
        **typed, "family_name": "López", "phone": "(619) 555-0100", "cdcr_number": "ab1234"})
    assert taken.status_code == 303, taken.text
    page = await rosa.get(taken.headers["location"])
    assert "The request is taken" in page.text
    [event] = [json.loads(r.value) for r in await intake.outbox()]
    assert (event["type"], event["data"]["source"]) == ("vod.RequestReceived.v1", "phone")
    assert event["data"]["reference"] in page.text

    screener = await _client(intake, tmp_path, "sam", Role.SCREENER)
    assert (await screener.get("/staff/requests/new")).status_code == 403
    assert "/staff/requests/new" not in (await screener.get("/staff/")).text
