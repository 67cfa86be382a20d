"""A service killed between its database commit and its offset commit comes back, gets the
event again, and does nothing twice."""
import asyncio
import json
import uuid
from datetime import datetime, timezone

import pytest

from vod_devtools.testing import produce, read_topic
from vod_shared.envelope import from_kafka, new_envelope, to_kafka
from vod_shared.events import RequestReceived

from .services import ServiceProcess

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def _request_record(case_id: str):
    data = RequestReceived(
        case_id=case_id, reference="VOD-2026-000042", requester_id=str(uuid.uuid4()),
        relationship="surviving_family_member", cdcr_number="C12345", preferred_language="en",
        preferred_channel="sms", source="phone", received_at=datetime.now(timezone.utc))
    return to_kafka(new_envelope(data, source="/services/intake", subject=case_id))


async def test_killed_after_commit_before_offset_commit_applies_once(
        service_env, processes, kafka_bootstrap, topic_prefix, tmp_path):
    case_id = str(uuid.uuid4())
    record = _request_record(case_id)
    doomed = ServiceProcess("screening", service_env | {
        "VOD_FAILPOINT": "screening.consumer.after_commit:1"}, tmp_path)
    doomed.start()
    await produce(kafka_bootstrap, f"{topic_prefix}vod.intake", (record.key, record.value))
    assert doomed.wait_exit(60) == 137  # died like kill -9, between the two commits

    survivor = processes("screening", service_env)
    decided = await read_topic(kafka_bootstrap, f"{topic_prefix}vod.screening", at_least=1,
                               settle=3)
    assert [from_kafka(r.value).subject for r in decided] == [case_id]

    def redelivered_and_ignored() -> bool:
        lines = [json.loads(l) for l in survivor.log().splitlines() if l.startswith("{")]
        return any(l.get("event") == "event.duplicate_ignored" and l.get("subject") == case_id
                   for l in lines)

    from vod_devtools.testing import wait_until
    assert await wait_until(redelivered_and_ignored, timeout=30), survivor.log()[-2000:]


@pytest.mark.parametrize("failpoint", [
    "screening.consumer.in_batch:50",  # half-way through a batch's transaction
    "screening.consumer.after_commit:1",  # a whole batch in the store, no offset committed
])
async def test_killed_mid_batch_of_100_loses_nothing_and_applies_nothing_twice(
        failpoint, service_env, processes, kafka_bootstrap, topic_prefix, tmp_path):
    cases = [str(uuid.uuid4()) for _ in range(150)]
    records = [_request_record(case_id) for case_id in cases]
    env = service_env | {"CONSUMER_BATCH_SIZE": "100", "CONSUMER_BATCH_WAIT_MS": "500"}
    # Produced before the service starts, so its first batch is a full 100
    await produce(kafka_bootstrap, f"{topic_prefix}vod.intake",
                  *((record.key, record.value) for record in records))
    doomed = ServiceProcess("screening", env | {"VOD_FAILPOINT": failpoint}, tmp_path)
    doomed.launch()  # it may die before it answers /healthz
    assert doomed.wait_exit(90) == 137, doomed.log()[-2000:]

    processes("screening", env)
    decided = await read_topic(kafka_bootstrap, f"{topic_prefix}vod.screening",
                               at_least=len(cases), timeout=90, settle=3)
    subjects = [from_kafka(r.value).subject for r in decided]
    assert sorted(subjects) == sorted(cases)  # each once: none lost, none twice


@pytest.mark.parametrize("failpoint", [
    "notifications.consumer.in_batch:50",  # half-way through a batch of custody news
    "notifications.consumer.after_commit:1",  # a whole batch in the store, no offset committed
])
async def test_notifications_killed_mid_batch_plans_each_notice_once(
        failpoint, service_env, processes, kafka_bootstrap, topic_prefix, tmp_path):
    """Custody news read ahead and written together: after a kill -9 mid-batch, every change
    is still planned once to each registrant who follows the offender, none twice."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from vod_devtools.testing import wait_until
    from vod_shared.events import CustodyStatusChanged, RegistrationReceived

    now, cdcr = datetime.now(timezone.utc), f"K{uuid.uuid4().hex[:5].upper()}"
    registrants = [str(uuid.uuid4()) for _ in range(2)]
    registrations = [to_kafka(new_envelope(RegistrationReceived(
        registration_id=str(uuid.uuid4()), registrant_id=person, relationship="victim",
        cdcr_number=cdcr, notify_on=["transfer"], preferred_language="en",
        preferred_channel="email", received_at=now), source="/services/intake", subject=cdcr))
        for person in registrants]
    changes = [to_kafka(new_envelope(CustodyStatusChanged(
        change_id=str(uuid.uuid4()), cdcr_number=cdcr, change="transfer", status="in_prison",
        facility_code="SQ", effective_at=now), source="/services/screening", subject=cdcr))
        for _ in range(150)]
    url = f"sqlite+aiosqlite:///{tmp_path / 'notifications.db'}"
    env = service_env | {"CONSUMER_BATCH_SIZE": "100", "CONSUMER_BATCH_WAIT_MS": "500",
                         "NOTIFICATIONS_DATABASE_URL": url}
    await produce(kafka_bootstrap, f"{topic_prefix}vod.intake",
                  *((record.key, record.value) for record in registrations))
    await produce(kafka_bootstrap, f"{topic_prefix}vod.custody",
                  *((record.key, record.value) for record in changes))
    doomed = ServiceProcess("notifications", env | {"VOD_FAILPOINT": failpoint}, tmp_path)
    doomed.launch()
    assert doomed.wait_exit(90) == 137, doomed.log()[-2000:]

    processes("notifications", env)
    engine = create_async_engine(url)
    try:
        async def planned() -> list:
            async with engine.connect() as conn:
                return (await conn.execute(text(
                    "SELECT cause_event_id, recipient_id FROM deliveries "
                    "WHERE template = 'custody_transfer'"))).all()

        async def all_planned() -> bool:
            return len(await planned()) >= 2 * len(changes)

        assert await wait_until(all_planned, timeout=90, interval=0.5)
        await asyncio.sleep(3)  # anything more would have come by now
        rows = await planned()
    finally:
        await engine.dispose()
    ids = {from_kafka(record.value).id for record in changes}
    assert sorted(rows) == sorted((event_id, person) for event_id in ids
                                  for person in registrants)  # each once: none lost, none twice
