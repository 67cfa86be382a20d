"""Texts people send back (signed in Twilio's scheme), and the staff delivery log."""
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from vod_devtools.testing import carries
from vod_shared.problems import install_problem_handlers

from notifications.adapters.contacts import ContactKeys
from notifications.adapters.twilio_signature import signature
from notifications.config import Settings
from notifications.entrypoints.staff_api import require_staff, staff_router
from vod_shared.staff import StaffAuth
from notifications.entrypoints.webhooks import sms_webhook_router

from ..support import new_id, request

TOKEN = "test-auth-token"
URL = "http://notifications.test/webhooks/sms"


@pytest.fixture
def app(harness, clock, tmp_path):
    app = FastAPI()
    install_problem_handlers(app)
    keys = ContactKeys(tmp_path / "keys")
    settings = Settings(SMS_AUTH_TOKEN=TOKEN, VOD_STAFF_FILE=str(tmp_path / "staff.toml"),
                        STAFF_SESSION_SECRET="notifications-tests-session-secret-0123456789")
    StaffAuth.from_settings(settings).install(app)
    app.include_router(sms_webhook_router(uow=harness.uow, keys=keys, settings=settings,
                                          clock=clock))
    app.include_router(staff_router(uow=harness.uow, keys=keys, outcomes=harness.outcomes,
                                    clock=clock))
    return app


@pytest.fixture
async def client(app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://notifications.test") as client:
        yield client


async def _text(client, body, *, sid=None, sender="+16195550100", token=TOKEN):
    params = [("MessageSid", sid or "SM" + new_id().replace("-", "")), ("From", sender),
              ("To", "+15005550006"), ("Body", body), ("NumMedia", "0")]
    return await client.post("/webhooks/sms", content=urlencode(params), headers={
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": signature(token, URL, params)})


async def _person_on_sms(harness, clock, **details):
    person = new_id()
    await harness.person(person, preferred_channel="sms", **details)
    await harness.deliver(request(new_id(), person, channel="sms", at=clock()), subject="c")
    await harness.send_due()
    harness.sms.sent.clear()
    return person


async def test_an_unsigned_or_forged_text_is_refused(client, harness):
    assert (await _text(client, "STOP", token="wrong")).status_code == 401
    response = await client.post("/webhooks/sms", content="From=%2B1&Body=STOP",
                                 headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_alto_stops_texts_with_one_spanish_confirmation_and_email_goes_on(
        client, harness, clock):
    person = await _person_on_sms(harness, clock)
    sid = "SM" + new_id().replace("-", "")
    response = await _text(client, "Alto", sid=sid)
    assert response.status_code == 200 and "<Response>" in response.text
    await _text(client, "Alto", sid=sid)   # the provider retried the same message
    await _text(client, "STOP")            # and they said it again
    await harness.send_due()
    [confirmation] = harness.sms.sent
    assert "Ya no le enviaremos mensajes" in confirmation["message"]
    assert "1-877-256-6877" in confirmation["message"]

    await harness.deliver(request(new_id(), person, channel="sms", at=clock()), subject="c2")
    await harness.send_due()
    assert len(harness.sms.sent) == 1 and len(harness.email.sent) == 1


async def test_start_resumes_texts(client, harness, clock):
    await _person_on_sms(harness, clock)
    await _text(client, "STOP")
    await _text(client, "start")
    await harness.send_due()
    assert ["no longer" in m["message"] for m in harness.sms.sent] == [True, False]
    assert "back on" in harness.sms.sent[1]["message"]


async def test_help_and_ayuda_answer_with_the_programs_phone(client, harness, clock):
    await _person_on_sms(harness, clock)
    await _text(client, "HELP")
    await _text(client, "ayuda")
    await harness.send_due()
    english, spanish = (m["message"] for m in harness.sms.sent)
    assert "call us toll free at 1-877-256-6877" in english
    assert "llámenos gratis al 1-877-256-6877" in spanish


async def test_anything_else_is_kept_sealed_for_staff(client, app, harness, clock):
    person = await _person_on_sms(harness, clock)
    await _text(client, "Can someone call me after 5? My new address is 12 Elm St")
    await harness.send_due()
    assert harness.sms.sent == []
    async with harness.engine.connect() as conn:
        stored = " ".join(str(v) for row in (await conn.execute(
            text("SELECT * FROM inbound_sms"))).all() for v in row)
    assert not carries(stored, "Elm") and not carries(stored, "6195550100")

    assert (await client.get("/api/inbound-sms")).status_code == 401
    app.dependency_overrides[require_staff] = lambda: None
    [kept] = (await client.get("/api/inbound-sms")).json()
    assert kept["person_id"] == person and kept["reply"] == "other"
    assert "Elm St" in kept["body"]


async def test_the_delivery_log_needs_staff_and_filters_by_case(client, app, harness, clock):
    person, case = new_id(), new_id()
    await harness.person(person)
    await harness.deliver(request(case, person, at=clock()), subject=case)
    await harness.deliver(request(new_id(), new_id(), at=clock()), subject="other")
    await harness.send_due()

    response = await client.get("/api/deliveries", params={"case_id": case})
    assert response.status_code == 401
    app.dependency_overrides[require_staff] = lambda: None
    [row] = (await client.get("/api/deliveries", params={"case_id": case})).json()
    assert (row["recipient_id"], row["channel"], row["template"], row["status"]) == (
        person, "email", "request_acknowledged", "sent")
    assert row["provider_id"] and not row["awaiting_contact"]
    everything = (await client.get("/api/deliveries")).json()
    assert len(everything) == 2 and any(r["awaiting_contact"] for r in everything)
    assert "ana@example.org" not in str(everything)
