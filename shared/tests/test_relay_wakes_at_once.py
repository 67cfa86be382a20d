"""The relay's wake-up on a commit, on a loop kept busy (as by a stream of webhooks, whose SQL
runs on the loop's thread): every turn of the loop it waits costs a turn of every request in
flight, so the first event of a burst must go out within the fewest turns."""
import asyncio
import time
from datetime import datetime, timezone

from vod_shared.db import session_factory
from vod_shared.events import CaseClosed
from vod_shared.outbox import OutboxRelay, Wakeup
from vod_shared.unit_of_work import SqlUnitOfWork


async def test_a_committed_event_is_published_within_two_turns_of_a_busy_loop(engine):
    sessions = session_factory(engine)
    turns, published_at = 0, []

    async def publish(topic, key, value, headers):
        published_at.append(turns)

    async def webhook_in_flight():  # ~2 ms of work on the loop's thread between its awaits
        nonlocal turns
        while True:
            time.sleep(0.002)
            turns += 1
            await asyncio.sleep(0)

    relay = OutboxRelay(engine, publish, service="test", poll_interval_s=60)
    running = asyncio.create_task(relay.run())
    busy = asyncio.create_task(webhook_in_flight())
    try:
        await asyncio.sleep(0.05)  # the relay's first round is done: it sleeps
        async with SqlUnitOfWork(sessions, source="/services/test",
                                 on_commit=relay.notify) as uow:
            await uow.emit(CaseClosed(case_id="a", reason="completed",
                                      at=datetime.now(timezone.utc)),
                           topic="vod.test", subject="a")
            await uow.commit()
        committed = turns
        for _ in range(200):
            if published_at:
                break
            await asyncio.sleep(0.005)
    finally:
        busy.cancel()
        running.cancel()
        await asyncio.gather(busy, running, return_exceptions=True)
    assert published_at, "never published"
    assert published_at[0] - committed <= 2


async def test_the_wakeup_wakes_its_waiter_once_set_or_after_its_timeout():
    wake = Wakeup()
    started = time.monotonic()
    await wake.wait(timeout=0.05)
    assert 0.04 <= time.monotonic() - started < 1 and not wake.is_set()

    waiting = asyncio.create_task(wake.wait(timeout=60))
    await asyncio.sleep(0)
    wake.set()
    await asyncio.wait_for(waiting, 1)
    assert wake.is_set()
    await asyncio.wait_for(wake.wait(timeout=60), 1)  # set before: no waiting at all
    wake.clear()
    assert not wake.is_set()
