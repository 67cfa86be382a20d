"""The outbox relay in a child process (issue 13): it publishes a commit at once while the
service's loop is held, stops cleanly (exit 0, the store's lock let go); killed, it is started
again and nothing in the outbox stays unpublished or goes twice; its parent killed, it ends."""
import asyncio
import fcntl
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from vod_devtools.testing import read_topic
from vod_shared.db import session_factory
from vod_shared.events import CaseClosed
from vod_shared.outbox import OutboxRelay
from vod_shared.relay_process import RelayProcess
from vod_shared.unit_of_work import SqlUnitOfWork

pytestmark = pytest.mark.integration


def config(engine: AsyncEngine, bootstrap: str) -> dict:
    return {"service": "test", "log_format": "json", "log_level": "INFO",
            "database_url": str(engine.url), "sqlite_driver": "inloop", "failpoint": None,
            "poll_interval_s": 60.0, "retention_days": 7.0, "ssl_cafile": None,
            "producer": {"bootstrap_servers": bootstrap, "acks": "all",
                         "enable_idempotence": True, "security_protocol": "PLAINTEXT"}}


def relay_process(engine: AsyncEngine, bootstrap: str) -> RelayProcess:
    return RelayProcess(config(engine, bootstrap), reads=OutboxRelay(engine, None, service="test"),
                        first_restart_s=0.5)


async def close_cases(engine: AsyncEngine, relay: RelayProcess, topic: str, count: int = 1, *,
                      tombstone: bool = False) -> list[str]:
    case_ids = []
    for _ in range(count):
        case_id = uuid.uuid4().hex
        async with SqlUnitOfWork(session_factory(engine), source="/services/test",
                                 on_commit=relay.notify) as uow:
            await uow.emit(CaseClosed(case_id=case_id, reason="completed",
                                      at=datetime.now(timezone.utc)), topic=topic,
                           subject=case_id)
            if tombstone:
                await uow.emit_tombstone(topic=topic, key=case_id)
            await uow.commit()
        case_ids.append(case_id)
    return case_ids


def unpublished(database: str) -> int:
    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0]


def wait_published_blocking(database: str, seconds: float) -> bool:
    """Waits with this loop's thread held (no turn of it at all), as a burst of webhooks holds
    a service's loop, and says whether the outbox emptied meanwhile."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not unpublished(database):
            return True
        time.sleep(0.02)
    return False


async def until(check, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(0.05)
    return check()


def gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"  # ended, not yet reaped
    except FileNotFoundError:
        return True


async def test_a_commit_is_published_at_once_while_the_loop_is_held_and_the_child_stops_cleanly(
        engine, kafka_bootstrap, topic_prefix):
    topic = f"{topic_prefix}vod.intake"
    database = engine.url.database
    relay = relay_process(engine, kafka_bootstrap)
    running = asyncio.create_task(relay.run())
    try:
        await close_cases(engine, relay, topic)  # the child's first round: its producer is up
        assert await until(lambda: not unpublished(database), 20), "the child published nothing"
        child = relay.pid
        [case_id] = await close_cases(engine, relay, topic, tombstone=True)
        started = time.monotonic()
        # a 60 s poll: only the wake-up gets it out this soon
        assert wait_published_blocking(database, 3.0), "not published while the loop was held"
        assert time.monotonic() - started < 3.0
        assert relay.alive and relay.pid == child
    finally:
        await relay.stop()
        await running
    assert gone(child) and relay.started_children == 1
    records = [r for r in await read_topic(kafka_bootstrap, topic, at_least=3, settle=0.2)
               if r.key == case_id.encode()]
    assert [r.value is None for r in records] == [False, True]  # the event, then a null value
    assert dict(records[0].headers)["content-type"] == b"application/cloudevents+json"
    with open(f"{database}.relay-lock", "a+") as handle:  # another relay could publish now
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)


async def test_a_child_killed_is_started_again_and_nothing_is_left_or_published_twice(
        engine, kafka_bootstrap, topic_prefix):
    topic = f"{topic_prefix}vod.intake"
    database = engine.url.database
    relay = relay_process(engine, kafka_bootstrap)
    running = asyncio.create_task(relay.run())
    try:
        before = await close_cases(engine, relay, topic, 20)
        assert await until(lambda: not unpublished(database), 20)
        first = relay.pid
        os.kill(first, signal.SIGKILL)
        assert await until(lambda: not relay.alive, 2), "/healthz would not say it is down"
        after = await close_cases(engine, relay, topic, 20)  # while none runs: they wait
        assert await until(lambda: relay.pid not in (None, first), 5), "no new child"
        assert await until(lambda: not unpublished(database), 20), "left in the outbox"
        assert relay.alive and relay.started_children == 2
    finally:
        await relay.stop()
        await running
    ours = set(before + after)
    records = [r for r in await read_topic(kafka_bootstrap, topic, at_least=40, settle=1.0)
               if r.key.decode() in ours]
    ids = [json.loads(r.value)["id"] for r in records]
    assert sorted(r.key.decode() for r in records) == sorted(ours)  # each once, none lost
    assert len(set(ids)) == len(ids) == 40


_PARENT = textwrap.dedent("""
    import asyncio, json, sys
    from vod_shared.outbox import OutboxRelay
    from vod_shared.relay_process import RelayProcess

    async def main():
        relay = RelayProcess(json.loads(sys.argv[1]), reads=None)
        running = asyncio.create_task(relay.run())
        while relay.pid is None:
            await asyncio.sleep(0.05)
        print(relay.pid, flush=True)
        await running

    asyncio.run(main())
""")


async def test_the_child_ends_when_its_parent_is_killed(engine, kafka_bootstrap):
    parent = subprocess.Popen([sys.executable, "-c", _PARENT,
                               json.dumps(config(engine, kafka_bootstrap))],
                              stdout=subprocess.PIPE, text=True)
    try:
        child = int(await asyncio.to_thread(parent.stdout.readline))
        await asyncio.sleep(1.0)  # its producer has started; it sleeps (a 60 s poll)
        assert not gone(child)
        parent.kill()
        parent.wait()
        assert await until(lambda: gone(child), 5.0), "the relay outlived its service"
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()
