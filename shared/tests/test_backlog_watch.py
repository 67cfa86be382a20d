"""A broker outage told in a few lines of ours (issue 16): one when the broker goes away, one
every ten seconds while it stays away (how many events wait, and how long), one when it is
back, one when the backlog is gone; /healthz says "catching up" with the figures in between."""
import uuid
from datetime import datetime, timedelta, timezone
from typing import ClassVar

import httpx
from fastapi import FastAPI
from sqlalchemy import insert, update
from structlog.testing import capture_logs

from vod_shared.backlog import BacklogWatch
from vod_shared.db import messaging_metadata, outbox
from vod_shared.problems import install_problem_handlers
from vod_shared.runtime import ServiceRuntime
from vod_shared.settings import ServiceSettings


class Outage:
    """The broker's reachability and the outbox, as the watch sees them, on a fake clock."""

    def __init__(self) -> None:
        self.now, self.up, self.waiting = 0.0, True, 0

    async def broker_ok(self) -> bool:
        return self.up

    async def pending(self) -> tuple[int, float]:
        return self.waiting, 3.0 if self.waiting else 0.0


async def test_a_30_s_outage_is_a_handful_of_lines_that_say_what_waits():
    world = Outage()
    watch = BacklogWatch(broker_ok=world.broker_ok, pending=world.pending, say_every_s=10.0,
                         clock=lambda: world.now)
    with capture_logs() as lines:
        await watch.check()  # all is well: nothing to say
        world.up = False
        for second in range(0, 31, 2):  # checked every 2 s, requests keep coming
            world.now, world.waiting = 100.0 + second, second
            await watch.check()
        world.up, world.now = True, 132.0
        await watch.check()
        assert watch.catching_up
        world.waiting, world.now = 0, 134.0
        await watch.check()
    said = [(line["event"], line.get("events_waiting")) for line in lines]
    assert said == [("broker.away", 0), ("broker.still_away", 10), ("broker.still_away", 20),
                    ("broker.still_away", 30), ("broker.back", 30), ("backlog.cleared", None)]
    assert lines[3]["away_s"] == 30.0 and lines[4]["away_s"] == 32.0
    assert lines[5]["after_s"] == 2.0 and watch.state == "ok"


async def test_back_with_nothing_waiting_is_not_catching_up():
    world, told = Outage(), []
    watch = BacklogWatch(broker_ok=world.broker_ok, pending=world.pending,
                         clock=lambda: world.now, on_back=lambda: told.append(world.now))
    world.up = False
    await watch.check()
    world.up, world.now = True, 5.0
    with capture_logs() as lines:
        await watch.check()
        await watch.check()
    assert [line["event"] for line in lines] == ["broker.back", "backlog.cleared"]
    assert not watch.catching_up
    assert told == [5.0]  # the relay was told once, when the broker came back


class ProbeSettings(ServiceSettings):
    service_name: ClassVar[str] = "probe"


async def test_healthz_says_catching_up_with_the_backlog_until_it_is_gone(tmp_path):
    runtime = ServiceRuntime(ProbeSettings(KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1",
                                           VOD_DATA_DIR=str(tmp_path), VOD_TOPIC_PREFIX="t."),
                             migrations_dir=tmp_path / "none")
    async with runtime.engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
        await conn.execute(insert(outbox), [
            {"event_id": str(uuid.uuid4()), "topic": "t.vod.intake", "key": "case-1",
             "event_type": "vod.X.v1", "value": b"{}",
             "created_at": datetime.now(timezone.utc) - timedelta(seconds=40)}
            for _ in range(3)])
    world = Outage()
    runtime.backlog = BacklogWatch(broker_ok=world.broker_ok, pending=runtime.relay.pending_stats)

    async def broker_answers() -> bool:
        return world.up
    runtime._broker_ok = broker_answers
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(runtime.health_router())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://probe") as client:
        world.up = False
        await runtime.backlog.check()
        assert (await client.get("/healthz")).status_code == 503  # away: not reachable
        world.up = True
        await runtime.backlog.check()
        answer = await client.get("/healthz")
        assert answer.status_code == 200
        body = answer.json()
        assert (body["status"], body["events_waiting"]) == ("catching up", 3)
        assert body["oldest_waiting_s"] >= 40
        async with runtime.engine.begin() as conn:
            await conn.execute(update(outbox).values(published_at=datetime.now(timezone.utc)))
        await runtime.backlog.check()
        assert (await client.get("/healthz")).json()["status"] == "ok"
    await runtime.engine.dispose()


async def test_the_relay_tries_again_at_once_when_the_broker_is_back(engine):
    """Not at the end of a backoff that may have grown to 30 s during the outage."""
    import asyncio

    from vod_shared.outbox import OutboxRelay

    async with engine.begin() as conn:
        await conn.execute(insert(outbox), [{
            "event_id": str(uuid.uuid4()), "topic": "t.vod.intake", "key": "case-1",
            "event_type": "vod.X.v1", "value": b"{}", "created_at": datetime.now(timezone.utc)}])
    broker = {"up": False, "tries": 0}

    async def publish(topic, key, value, headers):
        broker["tries"] += 1
        if not broker["up"]:
            raise ConnectionError("broker away")

    relay = OutboxRelay(engine, publish, service="test", poll_interval_s=20.0)
    running = asyncio.create_task(relay.run())
    try:
        while broker["tries"] == 0:  # the first try failed: now it waits out 20 s
            await asyncio.sleep(0.01)
        broker["up"] = True
        relay.retry_now()
        for _ in range(100):
            if await relay.pending_count() == 0:
                break
            await asyncio.sleep(0.02)
        assert await relay.pending_count() == 0 and broker["tries"] == 2
    finally:
        running.cancel()
