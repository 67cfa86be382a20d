"""``make bench``: throughput and memory of the messaging machinery on a real broker.

Not a test: numbers vary with the machine. Each scenario prints what it measured next to its
target, and the run exits non-zero if a target is missed, so a regression is visible.

1. outbox relay: N events committed to a SQLite outbox, published in order with acks=all.
2. screening end to end: N RequestReceived on the intake topic, each applied once (inbox,
   state, outbox in one transaction, offset committed after) and its EligibilityDetermined
   published.
"""
import argparse
import asyncio
import resource
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from vod_devtools.kafka import LocalKafka, ensure_topics
from vod_devtools.net import free_port
from vod_devtools.testing import produce, read_topic
from vod_shared.db import create_engine, messaging_metadata, session_factory
from vod_shared.envelope import new_envelope, to_kafka
from vod_shared.events import CaseClosed, RequestReceived
from vod_shared.outbox import OutboxRelay
from vod_shared.topics import all_topics
from vod_shared.unit_of_work import SqlUnitOfWork

TARGETS = {"outbox_relay_events_per_s": 300, "screening_events_per_s": 100, "peak_rss_mib": 400}


async def bench_outbox(bootstrap: str, workdir: Path, count: int) -> float:
    from aiokafka import AIOKafkaProducer

    engine = create_engine(f"sqlite+aiosqlite:///{workdir / 'outbox.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
    sessions = session_factory(engine)
    topic = f"b{uuid.uuid4().hex[:8]}.vod.scheduling"
    await ensure_topics(bootstrap, {topic: {}})
    for start in range(0, count, 500):
        async with SqlUnitOfWork(sessions, source="/bench") as uow:
            for i in range(start, min(start + 500, count)):
                case = f"case-{i % 50}"
                await uow.emit(CaseClosed(case_id=case, reason="bench", at=datetime.now(timezone.utc)),
                               topic=topic, subject=case)
            await uow.commit()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()

    async def publish(t, key, value, headers):
        await producer.send_and_wait(t, value=value, key=key,
                                     headers=[(k, v.encode()) for k, v in headers.items()])

    relay = OutboxRelay(engine, publish, service="bench", batch_size=500)
    began = time.perf_counter()
    while await relay.publish_pending():
        pass
    elapsed = time.perf_counter() - began
    await producer.stop()
    await engine.dispose()
    return count / elapsed


async def bench_screening(bootstrap: str, workdir: Path, count: int) -> float:
    from screening.bootstrap import bootstrap as screening_bootstrap
    from screening.config import Settings

    prefix = f"b{uuid.uuid4().hex[:8]}."
    await ensure_topics(bootstrap, all_topics(prefix))
    settings = Settings(KAFKA_BOOTSTRAP_SERVERS=bootstrap, VOD_TOPIC_PREFIX=prefix,
                        VOD_DATA_DIR=str(workdir), OUTBOX_POLL_INTERVAL_S=0.1,
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
    began = time.perf_counter()
    async with runtime.lifespan(app):
        decided = await read_topic(bootstrap, settings.topics.screening, at_least=count,
                                   timeout=600, settle=0)
    elapsed = time.perf_counter() - began
    assert len(decided) == count, f"{len(decided)} of {count} decided"
    return count / elapsed


async def main(count: int) -> int:
    import logging

    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="vod-bench-") as tmp:
        broker = LocalKafka(Path(tmp) / "kafka", free_port(), free_port())
        await broker.start()
        try:
            results = {
                "outbox_relay_events_per_s": await bench_outbox(broker.bootstrap, Path(tmp), count),
                "screening_events_per_s": await bench_screening(broker.bootstrap, Path(tmp), count),
            }
        finally:
            broker.stop()
    results["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    missed = []
    for name, value in results.items():
        target = TARGETS[name]
        ok = value <= target if name.startswith("peak") else value >= target
        print(f"{name:28} {value:10.1f}   target {'<=' if name.startswith('peak') else '>='} {target}"
              f"   {'ok' if ok else 'MISSED'}")
        if not ok:
            missed.append(name)
    return 1 if missed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000)
    sys.exit(asyncio.run(main(parser.parse_args().events)))
