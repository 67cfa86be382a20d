"""The outbox relay on a thread of its own (issue 13, "keeps up").

On the service's event loop the relay waited its turn behind every webhook in flight: a turn of
a loop kept busy by 32 requests (their SQL and sealing run on the loop's thread) took 0.2–1.3 s,
and a round of the relay needs several (read, hand records to the producer, the producer's own
sender, the acks, the mark), so intake's outbox grew while webhooks streamed in. Here the relay
runs on its own thread with its own event loop, its own engine (the same store, a small pool)
and its own aiokafka producer (``acks=all``, idempotent, the service's security options): the
OS and the interpreter's switch interval give it its turns.

The rest of the service talks to it from the main loop: ``notify()`` after a commit and
``retry_now()`` when the broker is back wake it at once (``call_soon_threadsafe``);
``pending_stats()`` (metrics, ``/healthz``) reads on the service's own engine. A failure that
escapes the relay (its producer cannot start, say) is logged and the relay started again after
a growing pause; should the thread itself end without being asked, ``alive`` says so and
``/healthz`` answers 503.
"""
import asyncio
import threading
from collections.abc import Callable
from datetime import datetime

import structlog
from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncEngine

from vod_shared.db import create_engine
from vod_shared.kafka_clients import running
from vod_shared.outbox import OutboxRelay, Publish, Send

log = structlog.get_logger("vod.outbox")
# one connection reads the batch and marks it; a second for a purge or a count meanwhile
RELAY_POOL_SIZE = 2
# A round of the relay after each commit took the store's write lock (its mark) as often as the
# webhooks did, and they waited for it: the commits of a short while go out in one round.
GATHER_S = 0.05
MakeRelay = Callable[[AsyncEngine, Publish, Send], OutboxRelay]


class RelayThread:
    def __init__(self, make_relay: MakeRelay, *, database_url: str, sqlite_driver: str,
                 producer_options: dict, reads: OutboxRelay, service: str,
                 first_restart_s: float = 1.0, gather_s: float = GATHER_S) -> None:
        self._make_relay = make_relay
        self._database_url, self._sqlite_driver = database_url, sqlite_driver
        self._producer_options = producer_options
        self._reads = reads  # the same table, on the main loop's engine
        self._service = service
        self._first_restart_s = first_restart_s
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main: asyncio.Task | None = None  # the thread's task, cancelled to stop it
        self._relay: OutboxRelay | None = None
        self._stopping = False
        self._gather_s, self._gathering = gather_s, False
        self.restarts = 0

    # --- from the main loop -------------------------------------------------------------

    def start(self) -> None:
        self._stopping = False
        self._thread = threading.Thread(target=self._serve, name=f"outbox-relay-{self._service}",
                                        daemon=True)
        self._thread.start()

    def notify(self) -> None:
        """After a commit that emitted events: the relay's next round starts within
        ``gather_s``, with the events of every commit made meanwhile."""
        self._call(self._gather)

    def retry_now(self) -> None:
        """The broker is back: the relay stops sleeping out its backoff."""
        self._call(lambda relay: relay.retry_now())

    async def pending_stats(self, *, now: datetime | None = None) -> tuple[int, float]:
        return await self._reads.pending_stats(now=now)

    @property
    def alive(self) -> bool:
        """False once the thread has ended without being asked to (never started: True)."""
        return self._thread is None or self._stopping or self._thread.is_alive()

    async def stop(self, timeout_s: float = 20.0) -> None:
        """Asks the relay to stop (the producer flushed and closed, the store's lock let go)
        and waits for its thread without holding up the main loop."""
        thread, self._stopping = self._thread, True
        if thread is None:
            return
        loop, main = self._loop, self._main
        if loop is not None and main is not None:
            try:
                loop.call_soon_threadsafe(main.cancel)
            except RuntimeError:  # its loop has closed already: the thread is ending
                pass
        await asyncio.to_thread(thread.join, timeout_s)
        if thread.is_alive():
            log.warning("outbox.relay_thread_still_running", waited_s=timeout_s)
        self._thread = None

    def _call(self, do: Callable[[OutboxRelay], None]) -> None:
        loop = self._loop
        if loop is None:  # not running yet: its first round reads everything waiting
            return
        try:
            loop.call_soon_threadsafe(self._on_relay, do)
        except RuntimeError:  # its loop has closed (the service is stopping)
            pass

    def _on_relay(self, do: Callable[[OutboxRelay], None]) -> None:
        if self._relay is not None:
            do(self._relay)

    # --- on the relay's thread ------------------------------------------------------------

    def _gather(self, relay: OutboxRelay) -> None:
        if self._gathering:
            return
        self._gathering = True

        def wake() -> None:
            self._gathering = False
            if self._relay is not None:
                self._relay.notify()

        asyncio.get_running_loop().call_later(self._gather_s, wake)

    def _serve(self) -> None:
        try:
            asyncio.run(self._run())
        except asyncio.CancelledError:  # asked to stop
            pass
        except BaseException:
            log.exception("outbox.relay_thread_ended", service=self._service)
            raise
        finally:
            self._loop = self._main = None

    async def _run(self) -> None:
        self._loop, self._main = asyncio.get_running_loop(), asyncio.current_task()
        if self._stopping:  # stopped before the thread had begun
            return
        pause = self._first_restart_s
        while True:
            try:
                await self._relay_once()
            except Exception as exc:
                self.restarts += 1
                log.exception("outbox.relay_failed", error=type(exc).__name__,
                              restart_in_s=pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)

    async def _relay_once(self) -> None:
        engine = create_engine(self._database_url, sqlite_driver=self._sqlite_driver,
                               sqlite_pool_size=RELAY_POOL_SIZE, pool_size=RELAY_POOL_SIZE)
        try:
            producer = AIOKafkaProducer(**self._producer_options)
            async with running(producer):  # stopped (its records flushed) however this ends
                self._relay = self._make_relay(engine, _publish(producer), _send(producer))
                try:
                    await self._relay.run()  # lets go of its lock when it ends
                finally:
                    self._relay = None
        finally:
            await engine.dispose()


def _headers(headers: dict[str, str]) -> list[tuple[str, bytes]]:
    # as FastStream wrote them: a content-type header always (empty on a tombstone)
    return [(name, value.encode()) for name, value in {"content-type": "", **headers}.items()]


def _send(producer: AIOKafkaProducer) -> Send:
    async def send(topic: str, key: bytes, value: bytes | None, headers: dict[str, str]):
        return await producer.send(topic, value=value, key=key, headers=_headers(headers))

    return send


def _publish(producer: AIOKafkaProducer) -> Publish:
    async def publish(topic: str, key: bytes, value: bytes | None, headers: dict[str, str]):
        return await producer.send_and_wait(topic, value=value, key=key,
                                            headers=_headers(headers))

    return publish
