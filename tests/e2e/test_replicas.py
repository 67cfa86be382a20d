"""Two copies of every service on PostgreSQL against the real broker, one copy of each killed
(SIGKILL) in the middle of a burst: requests through either intake, custody changes told to
registrants. Every case is decided exactly once; no message arrives twice; every message is
sent, or, if its sender was killed during the call to the mail server, declared unknown for
staff (it may or may not have arrived; it is never sent again by itself), and only those."""
import base64
import json
import signal
import uuid
from collections import Counter
from datetime import datetime, timezone

import httpx
import pytest

from vod_devtools.catchers import Catchers
from vod_devtools.net import free_port
from vod_devtools.testing import complaints, read_topic, read_topics, wait_until
from vod_devtools.webhooks import signed_headers

from .services import SERVICES

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
SECRET = "whsec_" + base64.b64encode(uuid.uuid4().bytes * 2).decode()
REQUESTS, REGISTRANTS, CHANGES = 40, 6, 3
# What notifications plans: each victim is acknowledged and told her case needs review; each
# registrant is acknowledged and told of each change (the escape's text is skipped: no phone)
PLANNED = REQUESTS * 2 + REGISTRANTS * (CHANGES + 1)
SENDER_CONCURRENCY = 4
CDCR = "BK2468"


def _post(replicas, path: str, payload: dict) -> httpx.Response:
    """Signed once; sent to the first copy that answers (a retry keeps the webhook id)."""
    body = json.dumps(payload).encode()
    headers = signed_headers(body, SECRET)
    for replica in replicas:
        try:
            answer = httpx.post(f"{replica.url}{path}", content=body, headers=headers, timeout=10)
        except httpx.TransportError:
            continue  # that copy was killed: the other takes the same call
        assert answer.status_code == 202, answer.text
        return answer
    raise AssertionError("no copy answered")


def _request(n: int) -> dict:
    return {"kind": "dialogue_request", "offender": {"cdcr_number": f"AC{n:04d}"},
            "requester": {"given_name": "Ana", "family_name": f"Burst{n}",
                          "relationship": "victim", "email": f"victim{n}@example.org",
                          "preferred_language": "en", "preferred_channel": "email",
                          "state": "CA", "time_zone": "America/Los_Angeles"}}


def _registration(n: int) -> dict:
    return {"kind": "custody_notification_registration", "notify_on": ["release", "escape",
                                                                        "transfer"],
            "offender": {"cdcr_number": CDCR},
            "requester": {"given_name": "Wen", "family_name": f"Registrant{n}",
                          "relationship": "witness", "email": f"registrant{n}@example.net",
                          "preferred_language": "en", "preferred_channel": "email",
                          "state": "CA", "time_zone": "America/Los_Angeles"}}


def _change(n: int) -> dict:
    status, change = [("in_prison", "transfer"), ("on_parole", "release"),
                      ("escaped", "escape")][n % 3]
    return {"cdcr_number": CDCR, "status": status, "facility_code": "SQ" if n == 0 else None,
            "effective_at": datetime.now(timezone.utc).isoformat(), "change": change}


async def _deliveries(url: str) -> list:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text(
                "SELECT template, status, reason, count(*) FROM deliveries "
                "GROUP BY template, status, reason"))).all()
    finally:
        await engine.dispose()


async def _state(url: str, bootstrap: str, prefix: str) -> str:
    """What notifications holds and what was dead-lettered, for a failure's message."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            deliveries = (await conn.execute(text(
                "SELECT template, status, reason, count(*) FROM deliveries "
                "GROUP BY template, status, reason"))).all()
            people = (await conn.execute(text("SELECT count(*) FROM held_keys"))).scalar()
            outbox = (await conn.execute(text(
                "SELECT count(*) FROM outbox WHERE published_at IS NULL"))).scalar()
    finally:
        await engine.dispose()
    dead = {topic: [] for topic in ("vod.intake", "vod.people", "vod.keys", "vod.screening",
                                    "vod.custody")}
    for r in await read_topics(bootstrap, [f"{prefix}{topic}.dlq" for topic in dead],
                               timeout=2, settle=0.2):
        dead[r.topic[len(prefix):-len(".dlq")]].append(
            dict(r.headers).get("dlq-reason", b"").decode())
    return (f"notifications: deliveries {[tuple(row) for row in deliveries]}, held keys {people},"
            f" unpublished {outbox}; dead letters {dead}")


def _logs(copies: dict[str, list]) -> dict[str, str]:
    return {f"{name}-{n}": copy.log() for name, pair in copies.items()
            for n, copy in enumerate(pair)}


async def test_two_copies_of_every_service_one_killed_mid_burst_nothing_lost_or_twice(
        service_env, processes, postgres_server, kafka_bootstrap, topic_prefix, tmp_path):
    urls = {name: postgres_server.create_database(f"{name}_{uuid.uuid4().hex[:8]}")
            for name in SERVICES}
    staff_db = postgres_server.create_database(f"staff_{uuid.uuid4().hex[:8]}")
    with Catchers(tmp_path / "catchers", smtp_port=free_port(), http_port=free_port()) as catchers:
        env = service_env | {
            "INTAKE_WEBHOOK_SECRET": SECRET, "CUSTODY_WEBHOOK_SECRET": SECRET,
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(catchers.smtp_port),
            "SMS_API_BASE": catchers.http_base, "SMS_AUTH_TOKEN": "replica-sms-token",
            "NOTIFICATIONS_SENDER_POLL_S": "0.2", "STAFF_DATABASE_URL": staff_db,
            "NOTIFICATIONS_SENDER_CONCURRENCY": str(SENDER_CONCURRENCY),
            # a send cut off by the kill is declared unknown after 20 s, not 5 minutes
            "NOTIFICATIONS_SENDING_LEASE_S": "20"}
        # Brand-new databases that the copies migrate themselves, both at once, as replicas
        # starting together in production do (one migrates, the other waits on the lock): the
        # only test of that, and of a service's migration child on PostgreSQL
        copies = {name: [processes(name, env | {f"{name.upper()}_DATABASE_URL": urls[name]},
                                   wait=False, migrate_itself=True) for _ in range(2)]
                  for name in SERVICES}
        for pair in copies.values():
            for copy in pair:
                copy.wait_healthy(120.0)
        for name, pair in copies.items():  # the migrations ran in one of them, from nothing
            assert any("Running upgrade  -> " in copy.log() for copy in pair), name

        for n in range(REGISTRANTS):
            _post(copies["intake"], "/webhooks/requests", _registration(n))
        cases = []
        for n in range(REQUESTS):
            if n == REQUESTS // 2:  # half way: one copy of each service dies at once
                for pair in copies.values():
                    pair[0].proc.send_signal(signal.SIGKILL)
                    pair[0].proc.wait(10)
                # registrations are surely known by now; the changes go out mid-burst
                for c in range(CHANGES):
                    _post(copies["screening"], "/webhooks/custody", _change(c))
            cases.append(_post(copies["intake"], "/webhooks/requests", _request(n))
                         .json()["case_id"])

        def mail_to(prefix: str) -> Counter:
            """Each distinct message (address, subject, text) to addresses starting ``prefix``,
            with how many times it came."""
            return Counter((address, m["subject"], m["text"]) for m in catchers.mail.read()
                           for address in m["rcpt_tos"] if address.startswith(prefix))

        def addressees(prefix: str) -> Counter:
            return Counter(address for address, _, _ in mail_to(prefix))

        async def statuses() -> Counter:
            return Counter({(template, status): count for template, status, _, count
                            in await _deliveries(urls["notifications"])})

        async def all_settled() -> bool:
            """Every message planned, and none still waiting or in a send's lease."""
            now = await statuses()
            planned = sum(n for (_, status), n in now.items() if status != "skipped")
            unsettled = sum(n for (_, status), n in now.items() if status in ("pending", "sending"))
            return planned >= PLANNED and unsettled == 0
        assert await wait_until(all_settled, timeout=180), (
            f"{await _state(urls['notifications'], kafka_bootstrap, topic_prefix)}; what the "
            f"copies said: {complaints(_logs(copies))}")

        decisions = [json.loads(r.value) for r in await read_topic(
            kafka_bootstrap, f"{topic_prefix}vod.screening", at_least=REQUESTS, settle=3.0)]
        determined = [e for e in decisions if e["type"] == "vod.EligibilityDetermined.v1"]
        # A relay killed between the broker's ack and marking the row sent publishes that
        # event again (the same CloudEvent id, dropped by every consumer's inbox): decided once
        # is one decision, one id, per case; a second decision would be a second id.
        decided = Counter(e["subject"] for e in {e["id"]: e for e in determined}.values())
        republished = len(determined) - sum(decided.values())
        final = await statuses()
        sent = sum(n for (_, status), n in final.items() if status == "sent")
        unknown = sum(n for (_, status), n in final.items() if status == "unknown")
        messages = mail_to("victim") + mail_to("registrant")
        print(f"replicas: {sum(messages.values())} messages to {len(addressees('victim'))} "
              f"victims and {len(addressees('registrant'))} registrants; {sent} deliveries "
              f"sent, {unknown} unknown (in flight when their sender was killed); "
              f"{len(decided)} cases decided ({republished} decisions published again)")
        assert set(decided) == set(cases) and set(decided.values()) == {1}  # once each
        twice = [(address, subject) for (address, subject, _), n in messages.items() if n > 1]
        assert twice == [], twice  # no message came twice
        # Every delivery recorded as sent arrived; one whose sender died during the call may
        # have arrived or not, and is left to staff as unknown (never sent again by itself):
        # only those in flight at the kill, at most the killed sender's concurrency.
        assert sent <= sum(messages.values()) <= sent + unknown
        assert unknown <= SENDER_CONCURRENCY, final
