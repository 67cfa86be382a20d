"""Records the consumer machinery must not lose: odd headers, and a consumer stopped while
offsets are not yet committed."""
import uuid
from datetime import datetime, timezone

import pytest
from aiokafka import AIOKafkaProducer

from vod_devtools.migrated import migrated
from vod_devtools.testing import read_topic
from vod_shared.envelope import from_kafka, new_envelope, to_kafka
from vod_shared.events import RequestReceived
from vod_shared.kafka_clients import running

from screening.bootstrap import MIGRATIONS, bootstrap
from screening.config import Settings

pytestmark = pytest.mark.integration


def _request(case_id: str):
    data = RequestReceived(
        case_id=case_id, reference="VOD-2026-000007", requester_id=str(uuid.uuid4()),
        relationship="victim", cdcr_number="AB1234", preferred_language="en",
        preferred_channel="email", source="webhook", received_at=datetime.now(timezone.utc))
    return to_kafka(new_envelope(data, source="/services/intake", subject=case_id))


async def test_a_header_that_is_not_utf8_does_not_lose_the_event(kafka_bootstrap, topic_prefix, tmp_path):
    settings = Settings(KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap, VOD_TOPIC_PREFIX=topic_prefix,
                        SCREENING_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/s.db",
                        OUTBOX_POLL_INTERVAL_S=0.2, VOD_DATA_DIR=str(tmp_path))
    odd, plain = str(uuid.uuid4()), str(uuid.uuid4())
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    async with running(producer):
        for case_id, headers in ((odd, [("trace", b"\xff\xfe"), ("empty", None)]), (plain, [])):
            record = _request(case_id)
            await producer.send_and_wait(settings.topics.intake, record.value, key=record.key,
                                         headers=headers)
    runtime, app = bootstrap(settings)
    await migrated(runtime.engine, MIGRATIONS)  # the store made here: no child at start
    async with runtime.lifespan(app):
        decided = await read_topic(kafka_bootstrap, settings.topics.screening, at_least=2, settle=1)
    assert sorted(from_kafka(r.value).subject for r in decided) == sorted([odd, plain])
