"""A loop that retries on errors stops when its task is cancelled, even when a clean-up run as
the cancellation unwinds fails and its error takes the ``CancelledError``'s place.

Seen in a test run: a service stopping on PostgreSQL waited for its outbox relay for ever. The
relay was cancelled mid-batch; its unlock, on the connection the cancellation had cut off
mid-statement, failed; the relay took that for a failed round and went on trying, every 30 s.
"""
import asyncio
from datetime import datetime, timezone

from sqlalchemy.exc import OperationalError
from structlog.testing import capture_logs

from vod_shared.consumer import DeadLetters, EventConsumer, Record
from vod_shared.db import session_factory
from vod_shared.envelope import new_envelope, to_kafka
from vod_shared.events import CaseClosed
from vod_shared.outbox import OutboxRelay
from vod_shared.stopping import cancel_and_wait
from vod_shared.unit_of_work import SqlUnitOfWork

CUT_OFF = OperationalError("SELECT pg_advisory_unlock(...)", {},
                           Exception("the connection was cut off mid-statement"))


class _Ended(BaseException):
    """Ends a loop that did not stop, so a failing test does not leave it running."""


class _Step:
    """A step that never ends by itself (a statement in flight), whose clean-up then fails."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.ended = False

    async def hangs(self) -> None:
        self.entered.set()
        await asyncio.Event().wait()

    def clean_up_fails(self) -> None:
        raise _Ended() if self.ended else CUT_OFF


async def _stops_when_cancelled(task: asyncio.Task, step: _Step) -> bool:
    await asyncio.wait_for(step.entered.wait(), 5)
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=3)
    if not done:  # the old behaviour: end it another way
        step.ended = True
        task.cancel()
        await asyncio.wait({task}, timeout=3)
    return bool(done) and task.cancelled()


async def test_the_relay_stops_when_cancelled_though_its_unlock_then_fails(engine):
    step = _Step()

    async def publish(topic, key, value, headers):
        await step.hangs()  # the broker does not answer

    class Relay(OutboxRelay):
        async def _release_lock(self, conn):
            step.clean_up_fails()

    async with SqlUnitOfWork(session_factory(engine), source="/services/test") as uow:
        await uow.emit(CaseClosed(case_id="a", reason="completed", at=datetime.now(timezone.utc)),
                       topic="vod.test", subject="a")
        await uow.commit()
    relay = Relay(engine, publish, service="test", poll_interval_s=0.05)
    assert await _stops_when_cancelled(asyncio.create_task(relay.run()), step)


async def test_the_relay_stops_when_cancelled_mid_purge_though_its_clean_up_then_fails(engine):
    """The purge of published rows runs at the relay's first round, then hourly."""
    step = _Step()

    async def publish(topic, key, value, headers):
        raise AssertionError("nothing to publish")

    class Relay(OutboxRelay):
        async def purge_published(self, *, now=None):
            try:
                await step.hangs()
            finally:
                step.clean_up_fails()

    relay = Relay(engine, publish, service="test", poll_interval_s=0.05)
    assert await _stops_when_cancelled(asyncio.create_task(relay.run()), step)


async def test_a_consumer_stops_when_cancelled_though_its_rollback_then_fails():
    """The store's error is one the consumer waits out (the store away), for ever if need be."""
    step = _Step()

    class UnitOfWork:
        async def __aenter__(self):
            return self

        async def __aexit__(self, *exc):
            step.clean_up_fails()

        async def serialize_on(self, subject):
            await step.hangs()

    async def handler(envelope, uow):
        raise AssertionError("not reached")

    async def publish(*args):
        raise AssertionError("nothing is dead-lettered")

    consumer = EventConsumer(name="test", uow=UnitOfWork, handlers={CaseClosed: handler},
                             dead_letters=DeadLetters(publish, consumer="test"), backoff_s=0.05)
    envelope = new_envelope(CaseClosed(case_id="a", reason="completed",
                                       at=datetime.now(timezone.utc)),
                            source="/services/test", subject="a")
    record = Record("vod.test", 0, 0, b"a", to_kafka(envelope).value)
    assert await _stops_when_cancelled(asyncio.create_task(consumer.consume(record)), step)


async def test_a_stop_waits_a_bounded_time_for_a_loop_that_does_not_end_and_says_so():
    """The service's stop cancels its own loops through ``cancel_and_wait``: one that does not
    end (a cancel swallowed by a bug to come) no longer holds the stop for ever."""
    carry_on = asyncio.Event()

    async def deaf():
        while not carry_on.is_set():
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                continue  # swallowed

    async def fails():
        raise OperationalError("UPDATE outbox ...", {}, Exception("disk I/O error"))

    task, failed = asyncio.create_task(deaf(), name="deaf"), asyncio.create_task(fails(),
                                                                                 name="fails")
    await asyncio.sleep(0)
    with capture_logs() as said:
        await asyncio.wait_for(cancel_and_wait(task, within_s=0.2), 2)
        await cancel_and_wait(failed)  # ended already, with an error: told, not raised
    carry_on.set()
    task.cancel()
    await asyncio.wait({task}, timeout=1)
    assert [(line["event"], line["task"]) for line in said] == [
        ("task.stop_cut_off", "deaf"), ("task.failed", "fails")]
    assert said[1]["error"] == "OperationalError"
