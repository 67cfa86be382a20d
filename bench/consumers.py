"""The messaging machinery alone, in this process: the outbox relay draining a SQLite outbox,
and screening's consumer turning RequestReceived into EligibilityDetermined."""
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from aiokafka import AIOKafkaProducer

from vod_devtools.kafka import ensure_topics
from vod_devtools.testing import produce
from vod_shared.db import create_engine, messaging_metadata, session_factory
from vod_shared.envelope import new_envelope, to_kafka
from vod_shared.events import CaseClosed, RequestReceived
from vod_shared.outbox import OutboxRelay
from vod_shared.topics import all_topics
from vod_shared.unit_of_work import SqlUnitOfWork

from flows import TopicWatch


async def outbox_relay(bootstrap: str, workdir: Path, count: int) -> dict:
    engine = create_engine(f"sqlite+aiosqlite:///{workdir / 'outbox.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
    sessions = session_factory(engine)
    topic = f"b{uuid.uuid4().hex[:8]}.vod.scheduling"
    await ensure_topics(bootstrap, {topic: {}})
    for start in range(0, count, 500):
        async with SqlUnitOfWork(sessions, source="/bench") as uow:
            for i in range(start, min(start + 500, count)):
                case = f"case-{i % 500}"
                await uow.emit(CaseClosed(case_id=case, reason="bench",
                                          at=datetime.now(timezone.utc)),
                               topic=topic, subject=case)
            await uow.commit()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()

    async def publish(t, key, value, headers):
        await producer.send_and_wait(t, value=value, key=key,
                                     headers=[(k, v.encode()) for k, v in headers.items()])

    async def send(t, key, value, headers):  # as the services' runtime hands records over
        return await producer.send(t, value=value, key=key,
                                   headers=[(k, v.encode()) for k, v in headers.items()])

    relay = OutboxRelay(engine, publish, send=send, service="bench")
    began = time.perf_counter()
    while await relay.publish_pending():
        pass
    elapsed = time.perf_counter() - began
    await producer.stop()
    await engine.dispose()
    return {"events": count, "seconds": round(elapsed, 2), "per_s": count / elapsed}


async def screening_alone(bootstrap: str, workdir: Path, count: int) -> dict:
    from screening.bootstrap import bootstrap as screening_bootstrap
    from screening.config import Settings

    prefix = f"b{uuid.uuid4().hex[:8]}."
    await ensure_topics(bootstrap, all_topics(prefix))
    settings = Settings(KAFKA_BOOTSTRAP_SERVERS=bootstrap, VOD_TOPIC_PREFIX=prefix,
                        VOD_DATA_DIR=str(workdir),
                        SCREENING_DATABASE_URL=f"sqlite+aiosqlite:///{workdir / 'screening.db'}",
                        LOG_LEVEL="WARNING")
    records = []
    for i in range(count):
        case_id = str(uuid.uuid4())
        data = RequestReceived(case_id=case_id, reference=f"VOD-2026-{i:06d}",
                               requester_id=str(uuid.uuid4()), relationship="victim",
                               cdcr_number="AB1234", preferred_language="en",
                               preferred_channel="email", source="webhook",
                               received_at=datetime.now(timezone.utc))
        record = to_kafka(new_envelope(data, source="/services/intake", subject=case_id))
        records.append((record.key, record.value))
    await produce(bootstrap, settings.topics.intake, *records)
    runtime, app = screening_bootstrap(settings)
    watch = TopicWatch(bootstrap, settings.topics.screening)
    await watch.start()
    try:
        async with runtime.lifespan(app):  # from the first decision: not the start-up
            last = await watch.wait_for("vod.EligibilityDetermined.v1", count, timeout=600)
    finally:
        await watch.stop()
    elapsed = last - watch.first_at["vod.EligibilityDetermined.v1"]
    return {"events": count, "seconds": round(elapsed, 2), "per_s": (count - 1) / elapsed}
