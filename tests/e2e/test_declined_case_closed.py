"""A screening that does not approve a case ends it everywhere, over the real broker with the
four services as processes: scheduling announces ``CaseClosed`` (``offender_declined``);
screening shows the case closed and waiting on nobody; intake and notifications hold it closed;
the victim is told once, in Spanish, in careful words that name no reason; and her next request
about the same offender opens a new case instead of being answered "we already have it".
Staff then record the offender's accountability letter (the indirect path), and give it to her
when she asks: its words are on no topic."""
import base64
import uuid
from datetime import datetime, timezone
from email import message_from_string, policy

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from vod_devtools.catchers import Catchers
from vod_devtools.demo import expect, signed, until
from vod_devtools.net import free_port
from vod_devtools.staff_testing import add_staff, sign_in
from vod_devtools.testing import read_topic, read_topics
from vod_shared.envelope import from_kafka
from vod_shared.staff import Role

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
INTAKE_SECRET = "whsec_" + base64.b64encode(uuid.uuid4().bytes * 2).decode()
CUSTODY_SECRET = "whsec_" + base64.b64encode(uuid.uuid4().bytes * 2).decode()
# The letter's words, planted to be looked for on every topic.
LETTER_MARKER = f"Tlaloclettermarker{uuid.uuid4().hex[:6]}"
DECLINED = {"offender_consents": False, "offender_acknowledges_responsibility": True,
            "safety_concerns": False, "victim_ready": True, "outcome": "declined"}


async def _one(tmp_path, service: str, query: str, **params):
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'var' / service}.db")
    try:
        async with engine.connect() as conn:
            row = (await conn.execute(text(query), params)).first()
            return row[0] if row else None
    finally:
        await engine.dispose()


def _mail_to(catchers: Catchers, address: str) -> list:
    return [message_from_string(r["raw"], policy=policy.default)
            for r in catchers.mail.read() if address in r["rcpt_tos"]]


def _words(message) -> str:
    return " ".join(message.get_body(("plain",)).get_content().split())


async def _closing(catchers: Catchers, address: str, reference: str) -> list:
    """The messages to ``address`` that tell her the dialogue about ``reference`` cannot go
    ahead."""
    return [m for m in _mail_to(catchers, address) if reference in m["Subject"]
            and "no puede seguir adelante" in _words(m)]


async def _letter_given(scheduling: httpx.AsyncClient, case_id: str) -> None:
    base = f"/api/cases/{case_id}/letters"
    [letter] = expect(await scheduling.post(base, json={
        "received_on": datetime.now(timezone.utc).date().isoformat(),
        "text": f"I am sorry for the harm I caused. {LETTER_MARKER}"}), 201,
        doing="recording the letter")
    for step, body in (("review", {"outcome": "approved"}), ("answer", {"wants_letter": True}),
                       ("handover", {"handover": "in_person"})):
        [letter] = expect(await scheduling.post(f"{base}/{letter['letter_id']}/{step}",
                                                json=body), 200, doing=f"the letter's {step}")
    assert letter["state"] == "delivered" and LETTER_MARKER in letter["text"]


async def _topics(bootstrap: str, prefix: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return [t for t in await admin.list_topics() if t.startswith(prefix)]
    finally:
        await admin.close()


def _everything(record) -> bytes:
    return ((record.key or b"") + (record.value or b"")
            + b"".join(value for _, value in record.headers or ()))


def _request(email: str, cdcr: str) -> dict:
    return {"kind": "dialogue_request",
            "requester": {"given_name": "Ana", "family_name": "Cierre", "relationship": "victim",
                          "email": email, "preferred_language": "es",
                          "preferred_channel": "email"},
            "offender": {"cdcr_number": cdcr}}


async def test_a_declined_screening_closes_the_case_everywhere_and_she_can_ask_again(
        service_env, processes, kafka_bootstrap, topic_prefix, tmp_path):
    tag = uuid.uuid4().hex[:6]
    email, cdcr = f"ana.{tag}@example.org", f"C{uuid.uuid4().int % 100000:05d}"
    with Catchers(tmp_path / "catchers", smtp_port=free_port(), http_port=free_port()) as catchers:
        env = service_env | {"INTAKE_WEBHOOK_SECRET": INTAKE_SECRET,
                             "CUSTODY_WEBHOOK_SECRET": CUSTODY_SECRET}
        started = {name: processes(name, env, wait=False)
                   for name in ("intake", "screening", "scheduling")}
        started["notifications"] = processes("notifications", wait=False, env=env | {
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(catchers.smtp_port),
            "SMS_API_BASE": catchers.http_base, "SMS_AUTH_TOKEN": "e2e-sms-token",
            "NOTIFICATIONS_SENDER_POLL_S": "0.2"})
        for process in started.values():
            process.wait_healthy(90.0)
        staff = add_staff(tmp_path / "var" / "staff.toml", f"screener-{tag}", Role.SCREENER,
                          Role.COORDINATOR)
        async with httpx.AsyncClient(base_url=started["screening"].url, timeout=15) as screening, \
                httpx.AsyncClient(base_url=started["intake"].url, timeout=15) as intake, \
                httpx.AsyncClient(base_url=started["scheduling"].url, timeout=15) as scheduling:
            await sign_in(screening, staff)
            await sign_in(scheduling, staff)
            raw, headers = signed({"cdcr_number": cdcr, "change": "admission",
                                   "status": "in_prison", "facility_code": "SQ", "details": {},
                                   "effective_at": datetime.now(timezone.utc).isoformat()},
                                  CUSTODY_SECRET)
            expect(await screening.post("/webhooks/custody", content=raw, headers=headers), 202,
                   doing="the custody feed")
            raw, headers = signed(_request(email, cdcr), INTAKE_SECRET)
            first = expect(await intake.post("/webhooks/requests", content=raw, headers=headers),
                           202, doing="her request")
            case_id = first["case_id"]

            async def screened_case(stage: str):
                response = await screening.get(f"/api/cases/{case_id}")
                return response.json() if response.status_code == 200 and response.json()[
                    "stage"] == stage else None
            await until("the eligibility decision", lambda: screened_case("awaiting_screening"),
                        45)
            expect(await screening.post(f"/api/cases/{case_id}/screening", json=DECLINED), 200,
                   doing="recording the declined screening")

            # Screening: closed, and waiting on nobody (no facilitator will ever come).
            closed_here = await until("screening to see the close",
                                      lambda: screened_case("closed"), 45)
            assert closed_here["waiting_on"] == []

            # Intake and notifications hold the case closed.
            async def closed_in(service: str, query: str):
                return await _one(tmp_path, service, query, case_id=case_id) == "closed"
            await until("intake to close the case", lambda: closed_in(
                "intake", "SELECT status FROM cases WHERE case_id = :case_id"), 30)
            await until("notifications to close the case", lambda: closed_in(
                "notifications", "SELECT state FROM cases WHERE case_id = :case_id"), 30)

            # She is told, in Spanish, that the dialogue cannot go ahead.
            await until("her message that it cannot go ahead",
                        lambda: _closing(catchers, email, first["reference"]), 30)

            # She asks again about the same offender: a new case, not "we have it already".
            raw, headers = signed(_request(email, cdcr), INTAKE_SECRET)
            second = expect(await intake.post("/webhooks/requests", content=raw,
                                              headers=headers), 202, doing="her new request")

            async def acknowledged_again():
                return [m for m in _mail_to(catchers, email) if "Recibimos" in m["Subject"]
                        and second["reference"] in m["Subject"]]
            await until("the new case's acknowledgement", acknowledged_again, 30)

            # The indirect path: the offender's letter, recorded, approved, asked for, given.
            await _letter_given(scheduling, case_id)

            async def letter_on_timeline():
                entries = (await screening.get(f"/api/cases/{case_id}")).json()["timeline"]
                return [e for e in entries if e["type"] == "vod.LetterDelivered.v1"]
            [given] = await until("the letter on screening's timeline", letter_on_timeline, 30)
            assert given["summary"] == "Letter given to the victim (in person)"

        everything = b""
        for record in await read_topics(kafka_bootstrap, await _topics(kafka_bootstrap,
                                                                       topic_prefix), settle=0.3):
            everything += _everything(record)
        assert b"LetterDelivered" in everything and LETTER_MARKER.encode() not in everything
        scheduling_topic = [from_kafka(r.value) for r in await read_topic(
            kafka_bootstrap, f"{topic_prefix}vod.scheduling", at_least=1, settle=0.5)]
        intake_topic = [from_kafka(r.value) for r in await read_topic(
            kafka_bootstrap, f"{topic_prefix}vod.intake", at_least=2, settle=0.5)]

    [closed] = [e.data for e in scheduling_topic
                if e.subject == case_id and e.type == "vod.CaseClosed.v1"]
    assert (closed.reason, closed.by) == ("offender_declined", "offender")

    assert second["case_id"] != case_id and second["reference"] != first["reference"]
    # (partitions are read in no particular order: the two cases, whichever came first)
    assert sorted(e.subject for e in intake_topic if e.type == "vod.RequestReceived.v1") == sorted(
        [case_id, second["case_id"]])
    assert not [e for e in intake_topic if e.type == "vod.RequestRepeated.v1"]

    # One closing message, about the first case; none about the new one.
    [closing] = await _closing(catchers, email, first["reference"])
    assert not await _closing(catchers, email, second["reference"])
    words = _words(closing)
    assert "No es un juicio" in words and "pedir un diálogo de nuevo" in words
    for hint in ("ofensor", "declin", "rechaz", "consent", "voluntad", "responsab"):
        assert hint not in words.lower()
