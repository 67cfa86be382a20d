"""Screening's consumer alone: RequestReceived -> EligibilityDetermined, on SQLite.

Not part of ``make bench`` (bench/run.py); a probe for issue 13's consumer target (>= 1,000
events/s). Two ways:

- ``store``: the records are handed straight to screening's EventConsumer (no broker): what the
  handlers and the store cost. ``--profile`` prints where the time goes (cProfile).
- ``broker``: screening runs as it does in production (FastStream, a real local broker); N
  records are produced once its consumer group is ready, and the clock stops when the last
  EligibilityDetermined is in the outbox (the relay does not run: publishing is its part).

    python bench/consumer_batches.py store --events 2000 [--profile]
    python bench/consumer_batches.py broker --events 5000 [--driver aiosqlite] [--profile]
"""
import argparse
import asyncio
import cProfile
import pstats
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from collections import Counter
from pathlib import Path

from sqlalchemy import event, func, select

from vod_shared.consumer import Record
from vod_shared.db import outbox
from vod_shared.envelope import new_envelope, to_kafka
from vod_shared.events import RequestReceived
from vod_shared.migrations import upgrade_to_head
from vod_shared.topics import all_topics


def requests(count: int) -> list[tuple[bytes, bytes]]:
    records = []
    for i in range(count):
        case_id = str(uuid.uuid4())
        data = RequestReceived(case_id=case_id, reference=f"VOD-2026-{i:06d}",
                               requester_id=str(uuid.uuid4()), relationship="victim",
                               cdcr_number=f"AB{i % 500:04d}", preferred_language="en",
                               preferred_channel="email", source="webhook",
                               received_at=datetime.now(timezone.utc))
        record = to_kafka(new_envelope(data, source="/services/intake", subject=case_id))
        records.append((record.key, record.value))
    return records


DRIVER = {"SQLITE_DRIVER": "inloop"}


def screening(workdir: Path, **settings):
    from screening.bootstrap import MIGRATIONS, bootstrap
    from screening.config import Settings

    settings = Settings(VOD_DATA_DIR=str(workdir), LOG_LEVEL="WARNING", OUTBOX_POLL_INTERVAL_S=60,
                        SCREENING_DATABASE_URL=f"sqlite+aiosqlite:///{workdir / 'screening.db'}",
                        **DRIVER, **settings)
    runtime, app = bootstrap(settings)
    return runtime, app, MIGRATIONS


async def decided(runtime) -> int:
    async with runtime.engine.connect() as conn:
        return await conn.scalar(select(func.count()).select_from(outbox).where(
            outbox.c.event_type.like("%EligibilityDetermined%")))


async def bench_store(workdir: Path, count: int, batch: int, profile: bool) -> float:
    from vod_shared.runtime import ServiceRuntime

    captured = []
    original = ServiceRuntime.consume
    ServiceRuntime.consume = lambda self, *a, **k: captured.append(original(self, *a, **k)) \
        or captured[-1]
    try:
        runtime, _app, migrations = screening(workdir, KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1")
    finally:
        ServiceRuntime.consume = original
    await upgrade_to_head(runtime.engine, migrations)
    [consumer] = captured
    statements: Counter[str] = Counter()
    event.listen(runtime.engine.sync_engine, "before_cursor_execute",
                 lambda _c, _cur, sql, *_: statements.update([" ".join(sql.split())[:110]]))
    topic = runtime.settings.topics.intake
    records = [Record(topic, 0, offset, key, value)
               for offset, (key, value) in enumerate(requests(count))]
    batches = [records[i:i + batch] for i in range(0, count, batch)]
    apply = getattr(consumer, "consume_batch", None)
    profiler = cProfile.Profile() if profile else None
    began, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    for chunk in batches:
        if apply is not None:
            await apply(chunk)
        else:
            for record in chunk:
                await consumer.consume(record)
    if profiler:
        profiler.disable()
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    assert await decided(runtime) == count
    print(f"{1000 * cpu / count:.2f} ms of CPU per event (every thread of the process)")
    await runtime.engine.dispose()
    print(f"{sum(statements.values()) / count:.1f} statements per event; the most frequent:")
    for sql, times in statements.most_common(12):
        print(f"  {times / count:6.2f}  {sql}")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    return count / elapsed


async def bench_broker(workdir: Path, count: int, profile: bool = False) -> float:
    from aiokafka import AIOKafkaProducer

    from vod_devtools.kafka import ensure_topics

    from stack import local_broker

    async with local_broker(workdir) as broker:
        prefix = f"b{uuid.uuid4().hex[:8]}."
        await ensure_topics(broker.bootstrap, all_topics(prefix))
        runtime, app, _ = screening(workdir, KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap,
                                    VOD_TOPIC_PREFIX=prefix)
        records = requests(count)
        # The consumer alone: the outbox keeps what it emits (publishing it is the relay's part)
        runtime.relay.run = lambda: asyncio.sleep(3600)
        async with runtime.lifespan(app):
            while runtime._groups_without_partitions():
                await asyncio.sleep(0.1)
            producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all",
                                        linger_ms=5)
            await producer.start()
            profiler = cProfile.Profile() if profile else None
            if profiler:
                profiler.enable()
            began, cpu = time.perf_counter(), time.process_time()
            sent = [await producer.send(runtime.settings.topics.intake, value=v, key=k)
                    for k, v in records]
            await asyncio.gather(*sent)
            produced = time.perf_counter() - began
            await producer.stop()
            while (done := await decided(runtime)) < count:
                await asyncio.sleep(1.0)
            elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
            if profiler:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
            print(f"produced {count} in {produced:.2f} s; decided {done} in {elapsed:.2f} s; "
                  f"{1000 * cpu / count:.2f} ms of CPU per event (producing included)")
        return count / elapsed


def main() -> int:
    import logging

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("store", "broker"))
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100, help="store mode: records per batch")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--driver", choices=("inloop", "aiosqlite"), default="inloop",
                        help="SQLITE_DRIVER: SQLite on the loop's thread, or in aiosqlite's thread")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from vod_shared.logging import configure_logging
    configure_logging(service="bench", fmt="json", level="WARNING")
    DRIVER["SQLITE_DRIVER"] = args.driver
    with tempfile.TemporaryDirectory(prefix="vod-batches-") as tmp:
        if args.mode == "store":
            rate = asyncio.run(bench_store(Path(tmp), args.events, args.batch, args.profile))
        else:
            rate = asyncio.run(bench_broker(Path(tmp), args.events, args.profile))
    print(f"screening consumer ({args.mode}): {rate:.0f} events/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
