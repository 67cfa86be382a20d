"""Staff take requests by phone and act for a victim who asks them to."""
import json

import pytest

from vod_devtools.staff_testing import add_staff, sign_in
from vod_shared.staff import Role

from ..conftest import dialogue_request


@pytest.fixture
async def signed_in(intake, tmp_path):
    person = add_staff(tmp_path / "staff.toml", "rosa", Role.INTAKE)
    await sign_in(intake.http, person)
    return intake


async def test_a_phone_request_creates_the_same_case_as_the_webhook(signed_in):
    response = await signed_in.http.post("/api/requests", json=dialogue_request())
    assert response.status_code == 202
    [event] = [json.loads(r.value) for r in await signed_in.outbox()]
    assert event["data"]["source"] == "phone"
    assert event["data"]["reference"] == response.json()["reference"]


async def test_staff_pause_and_withdraw_for_the_victim(signed_in):
    case = (await signed_in.http.post("/api/requests", json=dialogue_request())).json()
    paused = await signed_in.http.post(f"/api/cases/{case['case_id']}/pause",
                                       json={"reason": "victim asked by phone"})
    assert paused.json()["status"] == "paused"
    withdrawn = await signed_in.http.post(f"/api/cases/{case['case_id']}/withdraw", json={})
    assert withdrawn.json()["status"] == "withdrawn"
    again = await signed_in.http.post(f"/api/cases/{case['case_id']}/resume", json={})
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
    events = [json.loads(r.value) for r in await signed_in.outbox()][1:]
    assert [(e["type"], e["data"]["by"]) for e in events] == [
        ("vod.CasePaused.v1", "staff_for_victim"), ("vod.CaseWithdrawn.v1", "staff_for_victim")]


async def test_an_unknown_case_is_404(signed_in):
    assert (await signed_in.http.post("/api/cases/nope/pause", json={})).status_code == 404


async def test_an_empty_or_form_post_riding_on_the_session_is_refused(signed_in):
    case = (await signed_in.http.post("/api/requests", json=dialogue_request())).json()
    empty = await signed_in.http.post(f"/api/cases/{case['case_id']}/withdraw")
    form = await signed_in.http.post(f"/api/cases/{case['case_id']}/withdraw", data={"a": "b"})
    assert empty.status_code == form.status_code == 403
    assert [json.loads(r.value)["type"] for r in await signed_in.outbox()] == ["vod.RequestReceived.v1"]


async def test_without_signing_in_the_staff_api_answers_401(intake):
    response = await intake.http.post("/api/requests", json=dialogue_request())
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert await intake.outbox(topic=None) == []


async def test_a_facilitator_may_not_take_requests(intake, tmp_path):
    await sign_in(intake.http, add_staff(tmp_path / "staff.toml", "felix", Role.FACILITATOR))
    assert (await intake.http.post("/api/requests", json=dialogue_request())).status_code == 403


async def test_what_staff_write_stays_in_intake_sealed_and_never_on_the_event(signed_in):
    from sqlalchemy import select

    from intake.adapters.orm import case_notes
    case = (await signed_in.http.post("/api/requests", json=dialogue_request())).json()
    await signed_in.http.post(f"/api/cases/{case['case_id']}/pause",
                              json={"reason": "in hospital at Mercy General until Friday"})
    rows = await signed_in.outbox(topic=None)
    assert not any(b"Mercy" in row.value or b"hospital" in row.value for row in rows)
    paused = json.loads(rows[-1].value)
    assert (paused["type"], paused["data"]["reason"]) == ("vod.CasePaused.v1", None)
    async with signed_in.runtime.engine.connect() as conn:
        [note] = (await conn.execute(select(case_notes))).all()
    assert note.sealed_note["purpose"] == "intake_only"  # under the case's key: erased with it
    opened = await signed_in.open(note.sealed_note, about=case["case_id"])
    assert note.author == "rosa" and opened == {"note": "in hospital at Mercy General until Friday"}
