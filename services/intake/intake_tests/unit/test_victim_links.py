"""The victim drives the case: their own link pauses, resumes or withdraws it."""
import json
import pytest

from vod_shared.victim_links import VictimLinks

from ..conftest import LINK_SECRET, dialogue_request

LINKS = VictimLinks(LINK_SECRET)


@pytest.fixture
async def case(intake) -> dict:
    body = (await intake.post(dialogue_request())).json()  # she chose Spanish
    [request] = [json.loads(r.value) for r in await intake.outbox()]
    body["token"] = LINKS.token(body["case_id"], request["data"]["requester_id"])
    return body


async def _types(intake) -> list[str]:
    return [json.loads(r.value)["type"] for r in await intake.outbox()]


async def test_opening_the_link_shows_the_case_in_her_language_and_changes_nothing(intake, case):
    page = await intake.http.get(f"/v/{case['token']}")
    assert page.status_code == 200 and '<html lang="es">' in page.text
    assert case["reference"] in page.text and "Pausar mi solicitud" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert await _types(intake) == ["vod.RequestReceived.v1"]


async def test_pause_then_resume(intake, case):
    paused = await intake.http.post(f"/v/{case['token']}", data={"action": "pause"})
    assert "quedó en pausa" in paused.text
    resumed = await intake.http.post(f"/v/{case['token']}?lang=en", data={"action": "resume"})
    assert "active again" in resumed.text
    events = [json.loads(r.value) for r in await intake.outbox()][1:]
    assert [(e["type"], e["data"]["by"], e["subject"]) for e in events] == [
        ("vod.CasePaused.v1", "victim", case["case_id"]),
        ("vod.CaseResumed.v1", "victim", case["case_id"])]
    assert all(e["data"]["reason"] is None for e in events)  # her choice needs no reason


async def test_withdrawing_asks_once_more_then_stops_everything(intake, case):
    asked = await intake.http.post(f"/v/{case['token']}", data={"action": "withdraw"})
    assert "¿Retirar su solicitud?" in asked.text
    assert await _types(intake) == ["vod.RequestReceived.v1"]
    done = await intake.http.post(f"/v/{case['token']}", data={"action": "withdraw", "confirm": "yes"})
    assert "fue retirada" in done.text
    again = await intake.http.post(f"/v/{case['token']}", data={"action": "resume"})
    assert again.status_code == 409
    assert await _types(intake) == ["vod.RequestReceived.v1", "vod.CaseWithdrawn.v1"]


async def test_a_tampered_or_someone_elses_link_opens_nothing(intake, case):
    tampered = await intake.http.get(f"/v/{case['token'][:-2]}xx")
    someone_else = LINKS.token(case["case_id"], "another-person")
    assert tampered.status_code == 404 and case["reference"] not in tampered.text
    assert (await intake.http.get(f"/v/{someone_else}")).status_code == 404
    refused = await intake.http.post(f"/v/{someone_else}", data={"action": "withdraw", "confirm": "yes"})
    assert refused.status_code == 404
    assert await _types(intake) == ["vod.RequestReceived.v1"]


async def test_an_old_link_has_expired_and_says_whom_to_call(intake, case, monkeypatch):
    import itsdangerous.timed

    real_time = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() - 61 * 86400)
    old = LINKS.token(case["case_id"], json.loads((await intake.outbox())[0].value)["data"]["requester_id"])
    monkeypatch.undo()
    page = await intake.http.get(f"/v/{old}?lang=en")
    assert page.status_code == 410 and "1-877-256-6877" in page.text
