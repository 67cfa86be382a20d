"""The outbox relay: publishes committed events in sequence order and marks each one sent
only after the broker has acknowledged it (``acks=all``, idempotent producer).

A crash between the publish and the mark publishes that event again on restart: consumers
drop it by its CloudEvent id (the inbox). On PostgreSQL an advisory lock keeps to one relay
per service at a time, so replicas never publish a key's events out of order.

Published rows are kept for ``retention`` (for an operator looking into what went out), then
deleted: the table does not grow for ever, and a person's sealed details do not outlive their
erasure in it.
"""
import asyncio
import fcntl
from contextlib import suppress
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone

import structlog
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from vod_shared.db import outbox
from vod_shared.envelope import CONTENT_TYPE
from vod_shared.failpoints import Failpoints
from vod_shared.stopping import stop_if_cancelled

Publish = Callable[[str, bytes, bytes | None, dict[str, str]], Awaitable[object]]
# Hands one record to the producer, in order; returns what to await for the broker's ack
Send = Callable[[str, bytes, bytes | None, dict[str, str]], Awaitable[Awaitable[object]]]
log = structlog.get_logger("vod.outbox")
_RELAY_LOCK_ID = 0x564F44  # "VOD"
TOMBSTONE = "tombstone"  # the event_type of an outbox row published as a null value
_MARK_EVERY = 100  # records in flight at most; their acks are then marked in one write


class OutboxRelay:
    def __init__(self, engine: AsyncEngine, publish: Publish, *, service: str,
                 send: Send | None = None, poll_interval_s: float = 1.0, batch_size: int = 500,
                 retention: timedelta = timedelta(days=7), purge_every_s: float = 3600.0,
                 failpoints: Failpoints | None = None) -> None:
        self._engine = engine
        # ``send`` hands a record to the producer and returns its acknowledgement to come, so
        # many are in flight at once; with ``publish`` alone, one at a time.
        self._send = send or _one_at_a_time(publish)
        self._service = service
        self._poll_interval_s = poll_interval_s
        self._batch_size = batch_size
        self._failpoints = failpoints or Failpoints(None)
        self._wake = Wakeup()
        self._retry = asyncio.Event()  # set when the broker is back: a backoff ends at once
        self._retention = retention
        self._purge_every_s = purge_every_s
        self._next_purge = 0.0  # at the first round
        self._lock_file = None  # SQLite: the relay's file lock, held while it lives
        self._warned_locked = False

    def notify(self) -> None:
        """Called after a commit that emitted events, so they go out without waiting a poll."""
        self._wake.set()

    def retry_now(self) -> None:
        """Called when the broker is back after an outage: the relay tries again at once
        instead of sleeping out its backoff (up to 30 s) with the backlog waiting."""
        self._retry.set()

    async def run(self) -> None:
        try:
            await self._run()
        finally:
            self.release()

    def release(self) -> None:
        """Lets go of the SQLite file lock (when the relay stops), so a restart in the same
        process, or another process, publishes."""
        if self._lock_file is not None:
            self._lock_file.close()  # closing the file releases its lock
            self._lock_file = None

    async def _run(self) -> None:
        backoff = self._poll_interval_s
        while True:
            stop_if_cancelled()
            self._wake.clear()  # before reading, so a commit made meanwhile wakes the next round
            self._retry.clear()
            try:
                published = await self.publish_pending()
                backoff = self._poll_interval_s
            except Exception as exc:
                stop_if_cancelled(exc)
                # What is waiting, so an operator sees the backlog grow and drain (issue 16)
                try:
                    waiting = await self.pending_count()
                except Exception:
                    waiting = None
                log.warning("outbox.publish_failed", error=type(exc).__name__, retry_in_s=backoff,
                            events_waiting=waiting)
                try:
                    await asyncio.wait_for(self._retry.wait(), timeout=backoff)
                except TimeoutError:
                    pass
                stop_if_cancelled()  # wait_for may swallow a cancel that came as it ended
                backoff = min(backoff * 2, 30.0)
                continue
            await self._purge_when_due()
            if published >= self._batch_size:
                continue
            await self._wake.wait(timeout=self._poll_interval_s)

    async def publish_pending(self) -> int:
        """Publishes one batch in order; stops at the first failure so order per key holds."""
        async with self._engine.connect() as conn:
            if not await self._take_lock(conn):
                return 0
            try:
                return await self._publish_batch(conn)
            finally:
                await self._release_lock(conn)

    async def _publish_batch(self, conn: AsyncConnection) -> int:
        rows = (await conn.execute(
            select(outbox.c.seq, outbox.c.topic, outbox.c.key, outbox.c.value, outbox.c.event_id,
                   outbox.c.event_type)
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.seq)
            .limit(self._batch_size)
        )).all()
        await conn.commit()
        acks = _Acks(self._failpoints, f"{self._service}.relay.after_publish")
        row = None
        try:
            for row in rows:
                # One record of a key in flight at a time: if it fails, none after it has gone
                await acks.settle(row.key)
                tombstone = row.event_type == TOMBSTONE
                acks.sent(row.key, row.seq, await self._send(
                    row.topic, row.key.encode(), None if tombstone else row.value,
                    {} if tombstone else {"content-type": CONTENT_TYPE}))
                if acks.in_flight >= _MARK_EVERY:  # marked as their acks come back
                    await acks.settle_all()
                    await self._mark_published(conn, acks.take())
            await acks.settle_all()
        except Exception as exc:
            await acks.settle_all(failed=True)  # what went out is marked, what failed is not
            log.warning("outbox.publish_error", error=type(exc).__name__)
            failed = acks.failed if acks.failed is not None else row.seq
            try:
                await conn.execute(update(outbox).where(outbox.c.seq == failed).values(
                    attempts=outbox.c.attempts + 1, last_error=type(exc).__name__))
            except Exception:  # the count is a courtesy: never let it hide the failure
                await conn.rollback()
            raise
        finally:
            # A crash before the mark republishes these, which consumers drop by event id.
            await self._mark_published(conn, acks.take())
        return len(rows)

    async def _mark_published(self, conn: AsyncConnection, seqs: list[int]) -> None:
        """One write for many rows keeps the store free for the handlers."""
        if seqs:
            await conn.execute(update(outbox).where(outbox.c.seq.in_(seqs)).values(
                published_at=datetime.now(timezone.utc), attempts=outbox.c.attempts + 1))
        await conn.commit()

    async def purge_published(self, *, now: datetime | None = None) -> int:
        """Deletes the rows published longer ago than the retention; never an unpublished one."""
        cutoff = (now or datetime.now(timezone.utc)) - self._retention
        async with self._engine.begin() as conn:
            result = await conn.execute(delete(outbox).where(
                outbox.c.published_at.is_not(None), outbox.c.published_at < cutoff))
        return result.rowcount

    async def _purge_when_due(self) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() < self._next_purge:
            return
        self._next_purge = loop.time() + self._purge_every_s
        try:
            if purged := await self.purge_published():
                log.info("outbox.purged", rows=purged, retention_days=self._retention.days)
        except Exception as exc:  # the store is busy or down: the next round will do
            stop_if_cancelled(exc)
            log.warning("outbox.purge_failed", error=type(exc).__name__)

    async def pending_count(self) -> int:
        async with self._engine.connect() as conn:
            return await conn.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None)))

    async def pending_stats(self, *, now: datetime | None = None) -> tuple[int, float]:
        """How many events wait to be published, and how long the oldest has waited (seconds;
        0 when none waits)."""
        async with self._engine.connect() as conn:
            count, oldest = (await conn.execute(
                select(func.count(), func.min(outbox.c.created_at))
                .where(outbox.c.published_at.is_(None)))).one()
        if not count or oldest is None:
            return 0, 0.0
        if oldest.tzinfo is None:  # SQLite hands back naive datetimes; they were written in UTC
            oldest = oldest.replace(tzinfo=timezone.utc)
        age = ((now or datetime.now(timezone.utc)) - oldest).total_seconds()
        return count, max(age, 0.0)

    async def _take_lock(self, conn: AsyncConnection) -> bool:
        if conn.dialect.name == "sqlite":
            return self._take_file_lock(conn)
        if conn.dialect.name != "postgresql":
            return True
        return bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:id)"), {"id": _RELAY_LOCK_ID}))

    def _take_file_lock(self, conn: AsyncConnection) -> bool:
        """SQLite: two processes on one store file (a second copy started by mistake) must not
        both publish its outbox (each would publish the same events). An exclusive lock on a
        file beside the store, held for the life of this relay; the other process's relay
        waits, and says so once."""
        if self._lock_file is not None:
            return True
        database = conn.engine.url.database
        if not database or database == ":memory:":
            return True
        handle = open(f"{database}.relay-lock", "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            if not self._warned_locked:
                log.warning("outbox.another_process_publishes",
                            hint="another process runs this service on the same store file; "
                                 "this one publishes nothing while it runs")
                self._warned_locked = True
            return False
        self._lock_file = handle
        return True

    async def _release_lock(self, conn: AsyncConnection) -> None:
        """Releases the relay's lock, whatever state the batch left the connection in. The lock
        belongs to the database session, not to a transaction: a connection handed back to the
        pool still holding it would stop every relay of this service for good."""
        if conn.dialect.name != "postgresql":
            return
        try:
            await conn.rollback()  # a failed statement leaves the transaction unusable
            await conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _RELAY_LOCK_ID})
            await conn.commit()
        except Exception:
            # Closing the session is the other way to let go of the lock.
            await conn.invalidate()
            raise


class Wakeup:
    """What the relay sleeps on between rounds: it resumes on the loop's next turn after
    ``set``. ``asyncio.wait_for(event.wait())`` takes three turns (the inner task, its done
    callback, the waiter); while webhooks stream in, each turn runs every request in flight
    (its SQL on the loop's thread), and the three came to ~0.9 s of a burst's first event
    waiting in the outbox."""

    def __init__(self) -> None:
        self._set = False
        self._waiter: asyncio.Future | None = None

    def set(self) -> None:
        self._set = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def clear(self) -> None:
        self._set = False

    def is_set(self) -> bool:
        return self._set

    async def wait(self, *, timeout: float) -> None:
        """Returns once set, or after ``timeout`` seconds."""
        if self._set:
            return
        loop = asyncio.get_running_loop()
        self._waiter = waiter = loop.create_future()
        timer = loop.call_later(timeout, lambda: waiter.done() or waiter.set_result(None))
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None


class _Acks:
    """The acknowledgements a batch waits for: one record per key at a time, so a key's next
    record goes only once the broker has its last (order per key even when one fails)."""

    def __init__(self, failpoints: Failpoints, failpoint: str) -> None:
        self._waiting: dict[str, tuple[int, Awaitable[object]]] = {}
        self._failpoints, self._failpoint = failpoints, failpoint
        self.acked: list[int] = []
        self.failed: int | None = None

    def sent(self, key: str, seq: int, ack: Awaitable[object]) -> None:
        self._waiting[key] = (seq, ack)

    @property
    def in_flight(self) -> int:
        return len(self._waiting)

    async def settle(self, key: str) -> None:
        if key not in self._waiting:
            return
        seq, ack = self._waiting.pop(key)
        try:
            await ack
        except Exception:
            self.failed = seq if self.failed is None else min(self.failed, seq)
            raise
        self._failpoints.hit(self._failpoint)
        self.acked.append(seq)

    async def settle_all(self, *, failed: bool = False) -> None:
        """Waits for every ack in flight; after a failure, keeps the others' outcomes quietly."""
        for key in list(self._waiting):
            if failed:
                with suppress(Exception):
                    await self.settle(key)
            else:
                await self.settle(key)

    def take(self) -> list[int]:
        taken, self.acked = self.acked, []
        return taken


def _one_at_a_time(publish: Publish) -> Send:
    async def send(topic: str, key: bytes, value: bytes | None, headers: dict[str, str]):
        await publish(topic, key, value, headers)
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    return send
