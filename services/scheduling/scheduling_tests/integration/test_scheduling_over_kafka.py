"""Scheduling over the real broker and a real store (SQLite and PostgreSQL): a case approved by
screening gets its facilitator, the enrollment survey goes out from the due-work loop, a
redelivered event changes nothing, and the offender's death closes the case; a requester intake
erases on vod.people loses what intake sealed about their case, and a request read before its
key (granted on vod.keys) waits for it."""
import asyncio
import uuid
from collections import Counter
from datetime import datetime, timezone

import httpx
import pytest
from sqlalchemy import select

from vod_devtools.migrated import migrated
from vod_devtools.staff_testing import add_staff, sign_in
from vod_devtools.testing import produce, read_topic
from vod_shared.envelope import from_kafka, new_envelope, to_kafka
from vod_shared.events import CustodyStatusChanged, PersonErased
from vod_shared.keybook import held_keys
from vod_shared.person_keys import grant_record_key
from vod_shared.staff import Role

from scheduling.bootstrap import MIGRATIONS, bootstrap
from scheduling.config import Settings
from scheduling_tests.conftest import (
    INTAKE,
    OFFICE_WEEK,
    TEST_KEYS,
    approved,
    eligible,
    request,
)

pytestmark = pytest.mark.integration


def _record(data, source: str, subject: str):
    return to_kafka(new_envelope(data, source=f"/services/{source}", subject=subject))


def _grants(*subjects: str) -> list[tuple[bytes, bytes]]:
    """Intake's grants to scheduling of these subjects' keys, as records on vod.keys."""
    records = [_record(granted, "intake", grant_record_key(granted.subject_id, "scheduling"))
               for granted in INTAKE.grants("scheduling", subjects)]
    return [(record.key, record.value) for record in records]


async def _held(runtime, *subjects: str) -> set[str]:
    async with runtime.engine.connect() as conn:
        return set((await conn.execute(select(held_keys.c.subject_id).where(
            held_keys.c.subject_id.in_(subjects)))).scalars())


def _settings(kafka_bootstrap, topic_prefix, database_url, tmp_path) -> Settings:
    return Settings(
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap, VOD_TOPIC_PREFIX=topic_prefix,
        SCHEDULING_DATABASE_URL=database_url, VOD_DATA_DIR=str(tmp_path),
        KAFKA_SESSION_TIMEOUT_MS=6000, OUTBOX_POLL_INTERVAL_S=0.2, CONSUMER_RETRY_BACKOFF_S=0.05,
        SCHEDULING_DUE_WORK_INTERVAL_S=0.2, VOD_STAFF_FILE=str(tmp_path / "staff.toml"),
        STAFF_SESSION_SECRET="scheduling-integration-secret-0123456789abcdef",
        VOD_KEYS_DIR=str(TEST_KEYS.path))


async def test_a_case_is_assigned_surveyed_and_closed_over_kafka(
        kafka_bootstrap, topic_prefix, database_url_factory, tmp_path):
    settings = _settings(kafka_bootstrap, topic_prefix, database_url_factory("scheduling"),
                         tmp_path)
    topics = settings.topics
    runtime, app = bootstrap(settings)
    await migrated(runtime.engine, MIGRATIONS)  # the store made here: no child at start
    case_id, cdcr = str(uuid.uuid4()), "ZZ0042"
    coordinator = add_staff(tmp_path / "staff.toml", "coordinator", Role.COORDINATOR)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://scheduling") as client:
        await sign_in(client, coordinator)
        response = await client.post("/api/facilitators", json={
            "display_name": "Sofía", "languages": ["es", "en"], "availability": OFFICE_WEEK})
        assert response.status_code == 201, response.text
        sofia = response.json()["facilitator_id"]

        opened = _record(request(case_id, language="es", cdcr_number=cdcr), "intake", case_id)
        await produce(kafka_bootstrap, topics.keys, *_grants(case_id))
        await produce(kafka_bootstrap, topics.intake, (opened.key, opened.value))
        decided = _record(eligible(case_id, cdcr_number=cdcr), "screening", case_id)
        passed = _record(approved(case_id), "screening", case_id)
        await produce(kafka_bootstrap, topics.screening, (decided.key, decided.value),
                      (passed.key, passed.value), (passed.key, passed.value))  # redelivered
        first = await read_topic(kafka_bootstrap, topics.scheduling, at_least=4, settle=1)

        died = _record(CustodyStatusChanged(
            change_id=str(uuid.uuid4()), cdcr_number=cdcr, change="death", status="deceased",
            effective_at=datetime.now(timezone.utc)), "screening", cdcr)
        await produce(kafka_bootstrap, topics.custody, (died.key, died.value))
        everything = await read_topic(kafka_bootstrap, topics.scheduling, at_least=5, settle=1)
        case = (await client.get(f"/api/cases/{case_id}")).json()

    events = [from_kafka(r.value) for r in everything]
    assert Counter(e.data.event_name for e in events) == Counter({
        "FacilitatorAssigned": 1, "ClearanceRequested": 1, "SurveyDue": 2, "CaseClosed": 1})
    assert {r.key.decode() for r in everything} == {case_id}
    assert all(e.source == "/services/scheduling" and e.subject == case_id for e in events)
    [assigned] = [e.data for e in events if e.data.event_name == "FacilitatorAssigned"]
    assert assigned.facilitator_ids == [sofia]
    [closed] = [e.data for e in events if e.data.event_name == "CaseClosed"]
    assert closed.reason == "offender_deceased" and closed.by is None
    assert case["stage"] == "closed" and len(first) == 4


async def _until(read, done, timeout_s: float = 30.0):
    for _ in range(int(timeout_s / 0.2)):
        value = await read()
        if done(value):
            return value
        await asyncio.sleep(0.2)
    raise AssertionError(f"not reached in {timeout_s}s: {value}")


async def test_a_request_waits_for_its_key_and_an_erasure_takes_it_away_over_kafka(
        kafka_bootstrap, topic_prefix, database_url_factory, tmp_path):
    settings = _settings(kafka_bootstrap, topic_prefix, database_url_factory("scheduling"),
                         tmp_path)
    topics = settings.topics
    runtime, app = bootstrap(settings)
    await migrated(runtime.engine, MIGRATIONS)  # the store made here: no child at start
    case_id, her = str(uuid.uuid4()), f"person-{uuid.uuid4()}"
    coordinator = add_staff(tmp_path / "staff.toml", "coordinator", Role.COORDINATOR)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://scheduling") as client:
        await sign_in(client, coordinator)
        opened = _record(request(case_id, travel=True, requester_id=her), "intake", case_id)
        await produce(kafka_bootstrap, topics.intake, (opened.key, opened.value))

        async def read():
            response = await client.get(f"/api/cases/{case_id}")
            return response.json() if response.status_code == 200 else {}

        # The request came before its key: it waits for the grant, then is applied.
        await asyncio.sleep(1.0)
        assert await read() == {}
        await produce(kafka_bootstrap, topics.keys, *_grants(case_id))
        before = await _until(read, lambda case: case.get("travel_offered") is True)
        assert await _held(runtime, case_id) == {case_id}
        gone = _record(PersonErased(person_id=her, subjects=[case_id],
                                    at=datetime.now(timezone.utc)), "intake", her)
        await produce(kafka_bootstrap, topics.people, (gone.key, gone.value))
        after = await _until(read, lambda case: case.get("details_erased") is True)
        assert await _held(runtime, her, case_id) == set()
    assert after["travel_offered"] is None and after["stage"] == before["stage"]
    assert after["victim_id"] == her  # the case still knows whose it was: the id, not the values
