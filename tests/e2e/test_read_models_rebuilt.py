"""Read models rebuilt, over the real broker with intake, screening and notifications running:
a dozen cases at different stages (eligible and waiting for screening, needing a decision by
hand, ineligible, paused, withdrawn, with facilitators and a clearance request, decided again
after a transfer; by email and by text; a witness registered for custody notices). Then
screening's timeline and visitors and notifications' facts are damaged, and
``python -m screening.rebuild`` and ``python -m notifications.rebuild`` run while the services
run: the rebuilt tables equal what the services had built, the work queue is the same,
nothing was decided, published, planned or sent again, and the services carry on with the
rebuilt tables."""
import asyncio
import base64
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from screening.adapters.repository import CaseQueries
from vod_devtools.catchers import Catchers
from vod_devtools.net import free_port
from vod_devtools.testing import produce, wait_until
from vod_devtools.webhooks import signed_headers
from vod_shared import events as e
from vod_shared.db import session_factory
from vod_shared.envelope import new_envelope, to_kafka

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
SECRET = "whsec_" + base64.b64encode(uuid.uuid4().bytes * 2).decode()
IN_PRISON, IN_JAIL, UNKNOWN = "RB1001", "RB1002", "RB1003"
SCREENING_TABLES = {"case_timeline": "case_id, event_id", "case_visitors": "case_id, visitor_id, role"}
NOTIFICATION_TABLES = {"cases": "case_id", "registrations": "registration_id",
                       "custody_changes": "event_id", "contacts": "person_id",
                       "erased_people": "person_id"}


def _post(url: str, path: str, payload: dict) -> dict:
    body = json.dumps(payload).encode()
    answer = httpx.post(f"{url}{path}", content=body, headers=signed_headers(body, SECRET),
                        timeout=10)
    assert answer.status_code == 202, answer.text
    return answer.json()


def _custody(url: str, cdcr: str, change: str, status: str, facility: str | None) -> None:
    _post(url, "/webhooks/custody", {"cdcr_number": cdcr, "status": status,
                                     "facility_code": facility, "change": change,
                                     "effective_at": datetime.now(timezone.utc).isoformat()})


def _request(url: str, n: int, cdcr: str, *, sms: bool = False) -> str:
    requester = {"given_name": f"Rebuild{n}", "family_name": "Tester", "relationship": "victim",
                 "email": f"rebuild.{n}@example.org", "preferred_language": "es" if n % 3 else "en",
                 "preferred_channel": "sms" if sms else "email"}
    if sms:
        requester["phone"] = f"(619) 555-01{n:02d}"
    return _post(url, "/webhooks/requests", {"kind": "dialogue_request", "requester": requester,
                                              "offender": {"cdcr_number": cdcr}})["case_id"]


def _record(data: e.EventData, source: str, subject: str) -> tuple[bytes, bytes]:
    return subject.encode(), to_kafka(new_envelope(data, source=source, subject=subject)).value


async def _rows(url: str, tables: dict[str, str]) -> dict[str, list]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return {table: [tuple(r) for r in (await conn.execute(text(
                f"SELECT * FROM {table} ORDER BY {order}"))).all()]
                for table, order in tables.items()}
    finally:
        await engine.dispose()


def _without_seq(rows: dict[str, list]) -> dict[str, list]:
    """The timeline's rows without their sequence number (a rebuild numbers them afresh)."""
    return {**rows, "case_timeline": [row[1:] for row in rows["case_timeline"]]}


async def _queue(url: str) -> list:
    engine = create_async_engine(url)
    try:
        async with session_factory(engine)() as session:
            total, cases = await CaseQueries(session).queue(include_paused=True)
        return [total, [(c.case_id, c.status.value, c.paused, c.decided_at) for c in cases]]
    finally:
        await engine.dispose()


async def _scalar(url: str, query: str, **params):
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text(query), params)).scalar()
    finally:
        await engine.dispose()


async def _end_offsets(bootstrap: str, topics: list[str]) -> dict:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(t, p) for t in topics
                      for p in consumer.partitions_for_topic(t) or await _load(consumer, t)]
        return {f"{tp.topic}:{tp.partition}": end
                for tp, end in (await consumer.end_offsets(partitions)).items()}
    finally:
        await consumer.stop()


async def _load(consumer, topic: str) -> set[int]:
    await consumer.topics()
    return consumer.partitions_for_topic(topic) or set()


async def _settled(count, quiet_s: float = 3.0):
    """``await count()`` once it has not changed for ``quiet_s`` seconds."""
    last, since = await count(), time.monotonic()
    while time.monotonic() - since < quiet_s:
        await asyncio.sleep(0.3)
        if (now := await count()) != last:
            last, since = now, time.monotonic()
    return last


async def _consumer_groups(bootstrap: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return [group for group, *_ in await admin.list_consumer_groups()]
    finally:
        await admin.close()


def _rebuild(service: str, env: dict) -> str:
    result = subprocess.run([sys.executable, "-m", f"{service}.rebuild"],
                            env={**os.environ, **env},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


async def test_read_models_are_rebuilt_from_the_topics_without_side_effects(
        service_env, processes, kafka_bootstrap, topic_prefix, tmp_path):
    data_dir = Path(service_env["VOD_DATA_DIR"])
    screening_db = f"sqlite+aiosqlite:///{data_dir / 'screening.db'}"
    notifications_db = f"sqlite+aiosqlite:///{data_dir / 'notifications.db'}"
    topic = {name: f"{topic_prefix}vod.{name}" for name in
             ("intake", "screening", "scheduling", "custody", "notifications", "people")}
    with Catchers(tmp_path / "catchers", smtp_port=free_port(), http_port=free_port()) as catchers:
        env = service_env | {
            "INTAKE_WEBHOOK_SECRET": SECRET, "CUSTODY_WEBHOOK_SECRET": SECRET,
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(catchers.smtp_port),
            "SMS_API_BASE": catchers.http_base, "SMS_AUTH_TOKEN": "rebuild-sms-token",
            "NOTIFICATIONS_SENDER_POLL_S": "0.2"}
        started = {name: processes(name, env, wait=False)
                   for name in ("intake", "screening", "notifications")}
        for process in started.values():
            process.wait_healthy(90.0)
        intake, screening = started["intake"].url, started["screening"].url

        def sent() -> int:  # mails and texts
            return len(catchers.mail.read()) + len(catchers.sms.read())

        _custody(screening, IN_PRISON, "admission", "in_prison", "SQ")
        _custody(screening, IN_JAIL, "return", "county_jail", None)
        _post(intake, "/webhooks/requests", {
            "kind": "custody_notification_registration", "notify_on": ["transfer", "release"],
            "offender": {"cdcr_number": IN_PRISON},
            "requester": {"given_name": "Ines", "family_name": "Witness", "relationship": "witness",
                          "email": "ines.witness@example.net", "preferred_language": "en",
                          "preferred_channel": "email"}})
        eligible = [_request(intake, n, IN_PRISON, sms=n == 2) for n in range(1, 6)]
        ineligible = [_request(intake, n, IN_JAIL) for n in range(6, 8)]
        review = [_request(intake, n, UNKNOWN, sms=n == 9) for n in range(8, 11)]
        later = _request(intake, 11, IN_PRISON)
        cases = eligible + ineligible + review + [later]

        async def decided() -> bool:
            return await _scalar(screening_db, "SELECT count(*) FROM cases "
                                               "WHERE outcome IS NOT NULL") == len(cases)

        assert await wait_until(decided, timeout=60)
        now = datetime.now(timezone.utc)
        facilitator = str(uuid.uuid4())
        await produce(kafka_bootstrap, topic["intake"],
                      _record(e.CasePaused(case_id=eligible[0], by="victim", at=now),
                              "/services/intake", eligible[0]),
                      _record(e.CaseWithdrawn(case_id=review[0], by="victim", at=now),
                              "/services/intake", review[0]),
                      _record(e.CaseWithdrawn(case_id=eligible[4], by="staff_for_victim", at=now),
                              "/services/intake", eligible[4]))
        await produce(kafka_bootstrap, topic["scheduling"],
                      _record(e.FacilitatorAssigned(case_id=eligible[1], at=now,
                                                    facilitator_ids=[facilitator],
                                                    staff_accounts={facilitator: "fran"}),
                              "/services/scheduling", eligible[1]),
                      _record(e.ClearanceRequested(case_id=eligible[1], facility_code="SQ",
                                                   facilitator_ids=[facilitator],
                                                   support_person_ids=[str(uuid.uuid4())],
                                                   reason="dialogue_scheduled", at=now),
                              "/services/scheduling", eligible[1]))

        async def steps_applied() -> bool:
            visitors = await _scalar(screening_db, "SELECT count(*) FROM case_visitors")
            ended = await _scalar(screening_db, "SELECT count(*) FROM cases WHERE "
                                                "status = 'withdrawn'")
            return visitors == len(cases) + 2 and ended == 2

        assert await wait_until(steps_applied, timeout=60)
        _custody(screening, IN_PRISON, "transfer", "in_prison", "CMC")  # decided again

        def witness_told_of_the_transfer() -> bool:
            return len([m for m in catchers.mail.read()
                        if "ines.witness@example.net" in m["rcpt_tos"]]) == 2

        assert await wait_until(witness_told_of_the_transfer, timeout=60)
        cases.append(_request(intake, 12, IN_PRISON))  # after the transfer
        assert await wait_until(decided, timeout=60)
        async def everything() -> tuple:  # sent, and the NotificationSent events applied
            return (sent(), await _scalar(screening_db, "SELECT count(*) FROM case_timeline"),
                    await _scalar(notifications_db, "SELECT count(*) FROM observed_events"))

        told = (await _settled(everything, quiet_s=5.0))[0]
        assert told >= 12  # acknowledgements, eligibility answers, the witness's notices
        screening_before = _without_seq(await _rows(screening_db, SCREENING_TABLES))
        queue_before = await _queue(screening_db)
        facts_before = await _rows(notifications_db, NOTIFICATION_TABLES)
        assert {row[0] for row in facts_before["cases"]} == set(cases)
        transfer_lines = [r for r in screening_before["case_timeline"]
                          if r[2].startswith("vod.CustodyStatusChanged") and "CMC" in r[5]]
        # on the timelines of the offender's cases open then: not the one withdrawn before,
        # nor the one opened after
        assert {r[0] for r in transfer_lines} == set(eligible[:4] + [later])
        # waiting on a screener: four eligible (one paused), the later one, the one after the
        # transfer, and two of the three to decide by hand (the third withdrawn)
        assert queue_before[0] == 4 + 1 + 1 + 2
        published = await _end_offsets(kafka_bootstrap, list(topic.values()))
        outboxes = [await _scalar(url, "SELECT count(*) FROM outbox")
                    for url in (screening_db, notifications_db)]
        deliveries = await _scalar(notifications_db, "SELECT count(*) FROM deliveries")

        engine = create_async_engine(screening_db)  # the read models damaged
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM case_timeline WHERE case_id = :c"),
                               {"c": eligible[2]})
            await conn.execute(text("UPDATE case_timeline SET summary = 'wrong'"))
            await conn.execute(text("DELETE FROM case_visitors WHERE role = 'facilitator'"))
        await engine.dispose()
        engine = create_async_engine(notifications_db)
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE cases SET state = 'closed'"))
            await conn.execute(text("DELETE FROM contacts"))
            await conn.execute(text("DELETE FROM registrations"))
        await engine.dispose()
        assert _without_seq(await _rows(screening_db, SCREENING_TABLES)) != screening_before
        assert await _rows(notifications_db, NOTIFICATION_TABLES) != facts_before

        out = _rebuild("screening", env)
        assert f"consumer group {topic_prefix}screening-rebuild-" in out, out
        assert f"case_timeline: {len(screening_before['case_timeline'])} rows" in out, out
        out = _rebuild("notifications", env)
        assert f"consumer group {topic_prefix}notifications-rebuild-" in out, out
        assert f"cases: {len(cases)} rows" in out, out
        groups = await _consumer_groups(kafka_bootstrap)  # each read under a group of its own
        for service in ("screening", "notifications"):
            assert any(g.startswith(f"{topic_prefix}{service}-rebuild-") for g in groups), groups

        assert _without_seq(await _rows(screening_db, SCREENING_TABLES)) == screening_before
        assert await _queue(screening_db) == queue_before
        assert await _rows(notifications_db, NOTIFICATION_TABLES) == facts_before
        assert (await _settled(everything))[0] == told  # one planned again would be sent now
        assert await _end_offsets(kafka_bootstrap, list(topic.values())) == published
        assert [await _scalar(url, "SELECT count(*) FROM outbox")
                for url in (screening_db, notifications_db)] == outboxes
        assert await _scalar(notifications_db, "SELECT count(*) FROM deliveries") == deliveries
        assert not list(data_dir.glob("*.rebuild-*"))  # the fresh copies are gone

        after = _request(intake, 13, IN_PRISON)  # the services carry on with the new tables

        async def carried_on() -> bool:
            lines = await _scalar(screening_db, "SELECT count(*) FROM case_timeline WHERE "
                                                f"case_id = '{after}'")
            known = await _scalar(notifications_db, "SELECT count(*) FROM cases WHERE "
                                                    f"case_id = '{after}'")
            return lines >= 2 and known == 1  # the request and its decision

        assert await wait_until(carried_on, timeout=60)
