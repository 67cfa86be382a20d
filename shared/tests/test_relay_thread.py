"""The outbox relay on its own thread (issue 13): it publishes while the service's loop is busy
with other work, stops cleanly (producer closed, the store's lock let go), and a failure that
escapes it is logged and the relay started again, not lost."""
import asyncio
import fcntl
import sqlite3
import time
import uuid
import gc
import warnings
from contextlib import contextmanager
from datetime import datetime, timezone

import structlog.testing
from sqlalchemy.ext.asyncio import AsyncEngine

from vod_devtools.testing import read_topic
from vod_shared.db import session_factory
from vod_shared.events import CaseClosed
from vod_shared.outbox import OutboxRelay
from vod_shared.relay_thread import RelayThread
from vod_shared.unit_of_work import SqlUnitOfWork


@contextmanager
def unclosed_clients():
    found: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        yield found
        gc.collect()
    found += [str(w.message) for w in caught if "Unclosed AIOKafka" in str(w.message)]


def relay_thread(engine: AsyncEngine, bootstrap: str, make_relay=None) -> RelayThread:
    def make(relay_engine, publish, send):
        return OutboxRelay(relay_engine, publish, send=send, service="test", poll_interval_s=60)

    return RelayThread(make_relay or make, database_url=str(engine.url), sqlite_driver="inloop",
                       producer_options={"bootstrap_servers": bootstrap, "acks": "all",
                                         "enable_idempotence": True},
                       reads=OutboxRelay(engine, None, service="test"), service="test",
                       first_restart_s=0.05)


async def close_case(engine: AsyncEngine, relay: RelayThread, topic: str, *,
                     tombstone: bool = False) -> str:
    case_id = uuid.uuid4().hex
    async with SqlUnitOfWork(session_factory(engine), source="/services/test",
                             on_commit=relay.notify) as uow:
        await uow.emit(CaseClosed(case_id=case_id, reason="completed",
                                  at=datetime.now(timezone.utc)), topic=topic, subject=case_id)
        if tombstone:
            await uow.emit_tombstone(topic=topic, key=case_id)
        await uow.commit()
    return case_id


def wait_published_blocking(database: str, seconds: float) -> bool:
    """Waits with the main loop's thread held (no turn of it at all), as a burst of webhooks
    holds it, and says whether the outbox emptied meanwhile."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with sqlite3.connect(database) as conn:
            if not conn.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL"
                                ).fetchone()[0]:
                return True
        time.sleep(0.05)
    return False


async def test_the_relay_publishes_while_the_main_loop_is_held_and_stops_cleanly(
        engine, kafka_bootstrap, topic_prefix):
    topic = f"{topic_prefix}vod.intake"
    database = engine.url.database
    with unclosed_clients() as unclosed:
        relay = relay_thread(engine, kafka_bootstrap)
        relay.start()
        try:
            await asyncio.sleep(1.0)  # its producer has started; it sleeps (a 60 s poll)
            case_id = await close_case(engine, relay, topic, tombstone=True)
            assert wait_published_blocking(database, 10.0), "not published while the loop was held"
            assert await relay.pending_stats() == (0, 0.0)
            assert relay.alive
        finally:
            await relay.stop()
        assert not relay.alive or relay._thread is None
    assert unclosed == []
    records = [r for r in await read_topic(kafka_bootstrap, topic, at_least=2, settle=0.2)
               if r.key == case_id.encode()]
    assert [r.value is None for r in records] == [False, True]  # the event, then a null value
    assert dict(records[0].headers)["content-type"] == b"application/cloudevents+json"
    # the store's lock is let go: another process's relay could publish now
    with open(f"{database}.relay-lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)


async def test_a_failure_that_escapes_the_relay_is_logged_and_the_relay_started_again(
        engine, kafka_bootstrap, topic_prefix):
    topic = f"{topic_prefix}vod.intake"
    made = []

    def make(relay_engine, publish, send):
        made.append(1)
        if len(made) == 1:
            raise RuntimeError("the relay's first start fails")
        return OutboxRelay(relay_engine, publish, send=send, service="test", poll_interval_s=60)

    relay = relay_thread(engine, kafka_bootstrap, make_relay=make)
    await close_case(engine, relay, topic)  # waiting before the relay starts
    with structlog.testing.capture_logs() as logs:
        relay.start()
        try:
            await published(relay)
        finally:
            await relay.stop()
    assert relay.restarts == 1
    assert "outbox.relay_failed" in [line["event"] for line in logs]
    assert len(made) == 2


async def published(relay: RelayThread) -> None:
    for _ in range(200):
        if (await relay.pending_stats())[0] == 0:
            break
        await asyncio.sleep(0.05)
    assert (await relay.pending_stats())[0] == 0, "the restarted relay published nothing"
    assert relay.alive


def test_a_relay_thread_never_started_is_not_reported_dead(engine: AsyncEngine):
    relay = relay_thread(engine, "127.0.0.1:1")
    relay.notify()  # nothing to wake yet: no error
    relay.retry_now()
    assert relay.alive
