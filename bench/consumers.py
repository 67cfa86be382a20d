"""The messaging machinery alone, in this process: the outbox relay draining a SQLite outbox,
screening's consumer turning RequestReceived into EligibilityDetermined, and each other
service's consumer fed its busiest event (``python bench/consumers.py``: those alone)."""
import asyncio
import logging
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import structlog
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select

from vod_devtools.kafka import ensure_topics
from vod_devtools.testing import produce
from vod_shared.db import create_engine, inbox, messaging_metadata, session_factory
from vod_shared.envelope import new_envelope, to_kafka
from vod_shared.logging import configure_logging
from vod_shared.events import CaseClosed, RequestReceived
from vod_shared.migrations import upgrade_to_head
from vod_shared.outbox import OutboxRelay
from vod_shared.sealing import KeyDirectory
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


# Each consumer alone, fed with the event that is its busiest in the program, counted in its
# own inbox (the clock runs from the first applied record to the last; CPU is the whole process:
# consumer, relay and the polling). Not the service's app lifespan: no sender, no due work.
# custody news about this many offenders; every other one followed by two registrants
OFFENDERS = 500


async def notifications_alone(bootstrap: str, workdir: Path, count: int) -> dict:
    """Custody changes (``CustodyStatusChanged``), the statewide feed: every transfer, return
    and hearing of every offender (tens of thousands a month), far more than requests; half of
    them here about an offender two registrants follow (each change planned as a notice to both
    with ``plan``), half about one nobody follows (kept for a later registration only)."""
    from notifications.bootstrap import MIGRATIONS, bootstrap as build
    from notifications.config import Settings
    from notifications.domain.model import Registration
    from vod_shared.events import Channel, CustodyChange, CustodyNoticeKind, CustodyStatus, \
        CustodyStatusChanged, Language, Relationship

    settings, prefix = _settings(Settings, "NOTIFICATIONS", bootstrap, workdir)
    runtime, _app = build(settings)
    await upgrade_to_head(runtime.engine, MIGRATIONS)
    now = datetime.now(timezone.utc)
    async with runtime.uow() as uow:
        for i in range(0, OFFENDERS, 2):
            for _ in range(2):
                await uow.registrations.add(Registration(
                    str(uuid.uuid4()), str(uuid.uuid4()), Relationship.VICTIM, f"BN{i:04d}",
                    frozenset(CustodyNoticeKind), Language.EN, Channel.EMAIL, now))
        await uow.commit()
    records = [_record(CustodyStatusChanged(
        change_id=str(uuid.uuid4()), cdcr_number=f"BN{i % OFFENDERS:04d}",
        change=CustodyChange.TRANSFER, status=CustodyStatus.IN_PRISON, facility_code="SQ",
        previous_facility_code="FOL", effective_at=now), "/services/screening",
        f"BN{i % OFFENDERS:04d}") for i in range(count)]
    result = await _consumer_alone(runtime, settings.topics.custody, records, bootstrap,
                                   prefix, "notifications")
    planned = await _count(runtime, "SELECT count(*) FROM deliveries")
    if planned != 2 * len(range(0, count, 2)):  # two registrants of every other change
        raise AssertionError(f"{planned} deliveries planned for {count} changes")
    return result | {"deliveries": planned}


async def _count(runtime, sql: str) -> int:
    from sqlalchemy import text

    engine = create_engine(runtime.settings.effective_database_url())
    try:
        async with engine.connect() as conn:
            return await conn.scalar(text(sql))
    finally:
        await engine.dispose()


async def notifications_requests(bootstrap: str, workdir: Path, count: int) -> dict:
    """Requests (``RequestReceived``), each acknowledged to its requester: the other busy feed
    of notifications (not in ``make bench``: ``bench/consumers.py notifications-requests``)."""
    from notifications.bootstrap import bootstrap as build
    from notifications.config import Settings

    settings, prefix = _settings(Settings, "NOTIFICATIONS", bootstrap, workdir)
    runtime, _app = build(settings)
    records = []
    for i in range(count):
        case_id = str(uuid.uuid4())
        records.append(_record(RequestReceived(
            case_id=case_id, reference=f"VOD-2026-{i:06d}", requester_id=str(uuid.uuid4()),
            relationship="victim", cdcr_number="AB1234", preferred_language="en",
            preferred_channel="email", source="webhook", received_at=datetime.now(timezone.utc)),
            "/services/intake", case_id))
    return await _consumer_alone(runtime, settings.topics.intake, records, bootstrap, prefix,
                                 "notifications")


async def scheduling_alone(bootstrap: str, workdir: Path, count: int) -> dict:
    """Screening's answer (``EligibilityDetermined``), one per request and the one that opens
    the case here when it comes before intake's ``RequestReceived`` (topics are read
    independently); nine in ten eligible, one in ten ending the case (which then looks for
    waiting cases to give a facilitator)."""
    from scheduling.bootstrap import bootstrap as build
    from scheduling.config import Settings
    from vod_shared.events import EligibilityDetermined, EligibilityOutcome

    settings, prefix = _settings(Settings, "SCHEDULING", bootstrap, workdir)
    runtime, _app = build(settings)
    records = []
    for i in range(count):
        case_id, ends = str(uuid.uuid4()), i % 10 == 9
        records.append(_record(EligibilityDetermined(
            case_id=case_id, cdcr_number=f"AB{i % 500:04d}",
            outcome=EligibilityOutcome.INELIGIBLE if ends else EligibilityOutcome.ELIGIBLE,
            reason="discharged" if ends else "in_state_prison", facility_code="SQ",
            decided_at=datetime.now(timezone.utc), ends_case=ends),
            "/services/screening", case_id))
    return await _consumer_alone(runtime, settings.topics.screening, records, bootstrap, prefix,
                                 "scheduling")


async def intake_alone(bootstrap: str, workdir: Path, count: int) -> dict:
    """What notifications sent (``NotificationSent``), one per email or text: a custody
    fan-out makes one per registrant and channel, kept for each person's page."""
    from intake.bootstrap import bootstrap as build
    from intake.config import Settings
    from vod_shared.events import Channel, NotificationSent

    settings, prefix = _settings(Settings, "INTAKE", bootstrap, workdir,
                                 VICTIM_LINK_SECRET="bench-" + uuid.uuid4().hex)
    runtime, _app = build(settings)
    records = [_record(NotificationSent(
        notification_id=str(uuid.uuid4()), cause_event_id=str(uuid.uuid4()),
        recipient_id=str(uuid.uuid4()), channel=Channel.SMS, template="custody_transfer",
        sent_at=datetime.now(timezone.utc)), "/services/notifications", str(uuid.uuid4()))
        for _ in range(count)]
    return await _consumer_alone(runtime, settings.topics.notifications, records, bootstrap,
                                 prefix, "intake")


def _settings(settings_class, name: str, bootstrap: str, workdir: Path, **more):
    prefix = f"b{uuid.uuid4().hex[:8]}."
    data = workdir / f"{name.lower()}-alone"
    data.mkdir()
    KeyDirectory(data / "keys").init()  # the default keys directory: the data one's keys/
    return settings_class(KAFKA_BOOTSTRAP_SERVERS=bootstrap, VOD_TOPIC_PREFIX=prefix,
                          VOD_DATA_DIR=str(data), LOG_LEVEL="WARNING", **{
                              f"{name}_DATABASE_URL": f"sqlite+aiosqlite:///{data / 'store.db'}",
                              **more}), prefix


@contextmanager
def logging_as_deployed(service: str, workdir: Path):
    """One JSON line per event at INFO, as a deployed service writes them (to a file here, not
    the bench's output): part of what a consumer costs. The bench's own logging after."""
    root, saved = logging.getLogger(), structlog.get_config()
    handlers, level = root.handlers[:], root.level
    configure_logging(service=service, fmt="json", level="INFO")
    with open(workdir / f"{service}.log", "a") as stream:
        root.handlers[0].setStream(stream)
        try:
            yield
        finally:
            root.handlers[:] = handlers
            root.setLevel(level)
            structlog.configure(**saved)


def _record(data, source: str, subject: str) -> tuple[bytes, bytes]:
    record = to_kafka(new_envelope(data, source=source, subject=subject))
    return record.key, record.value


async def _consumer_alone(runtime, topic: str, records: list, bootstrap: str, prefix: str,
                          consumer: str) -> dict:
    await ensure_topics(bootstrap, all_topics(prefix))
    await produce(bootstrap, topic, *records)
    with logging_as_deployed(consumer, runtime.settings.data_dir):
        return await _applied(runtime, consumer, len(records))


async def _applied(runtime, consumer: str, count: int) -> dict:
    """Starts the service's runtime; the rate and CPU from its first applied record to the
    last (counted in its inbox every 50 ms)."""
    applied = select(func.count()).select_from(inbox).where(inbox.c.consumer == consumer)
    async with runtime.lifespan():
        async with runtime.engine.connect() as conn:
            seen = 0
            while not seen:
                seen = await conn.scalar(applied)
                await asyncio.sleep(0.01)
            began, cpu = time.perf_counter(), time.process_time()
            first = seen
            while seen < count:
                await asyncio.sleep(0.05)
                seen = await conn.scalar(applied)
                await conn.rollback()  # a fresh snapshot for the next count
            elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    return {"events": count, "seconds": round(elapsed, 2), "per_s": (count - first) / elapsed,
            "cpu_ms_per_event": round(1000 * cpu / (count - first), 3)}


ALONE = {"screening": screening_alone, "notifications": notifications_alone,
         "scheduling": scheduling_alone, "intake": intake_alone,
         "notifications-requests": notifications_requests}


async def _main(names: list[str], count: int) -> None:
    import tempfile

    from stack import local_broker

    with tempfile.TemporaryDirectory(prefix="vod-bench-") as tmp:
        async with local_broker(Path(tmp)) as broker:
            for name in names:
                print(name, await ALONE[name](broker.bootstrap, Path(tmp), count), flush=True)


if __name__ == "__main__":  # python bench/consumers.py [--events N] [service ...]: those alone
    import argparse
    import logging

    parser = argparse.ArgumentParser(description="each service's consumer alone on a broker")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("services", nargs="*",
                        default=[name for name in ALONE if "-" not in name])
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(_main(arguments.services, arguments.events))
