"""The outbox relay in a process of its own, a child of each service process (issue 13).

On the service's event loop the relay waited its turn behind every webhook in flight (their SQL
runs on the loop's thread: a turn took 0.2–1.3 s under a burst), and intake's outbox grew while
webhooks streamed in. On a thread of its own it kept up but took the interpreter from the
webhooks (the GIL). Here it has a process: its own interpreter, loop, engine (the same store, a
small pool) and aiokafka producer (``acks=all``, idempotent, the service's security options),
and logs as the service does. It imports only what it needs (no FastAPI, FastStream or the
service's modules). It is started as the migrations' child is (``migration_process``).

The parent talks to it over a socket pair: one byte ``w`` after a commit that emitted events
(the child answers ``a`` when it has read it; until then the parent writes no more, since the
round that follows that answer reads every commit made before it), ``r`` when the broker is
back. The end of the socket (the parent stopping, or killed) stops the child: it finishes its
round, flushes its producer, lets go of the store's lock and exits. Should the child die, the
parent logs it and starts another after a short pause; ``/healthz`` says unhealthy meanwhile.
A failpoint is handed to the first child only (a failpoint fires once in a service's life).
``pending_stats()`` (metrics, ``/healthz``) reads the outbox on the parent's own engine.
"""
import asyncio
import json
import os
import signal
import socket
import sys
import time
from datetime import datetime
from typing import TYPE_CHECKING

import structlog

if TYPE_CHECKING:
    from vod_shared.outbox import OutboxRelay

log = structlog.get_logger("vod.outbox")
_CONFIG_VARIABLE = "VOD_RELAY_CONFIG"  # the store's address and the broker's password: not argv
WAKE, ACK, RETRY = b"w", b"a", b"r"
# The child's connections: one reads a batch and marks it; a second for a purge or a count
RELAY_POOL_SIZE = 2
# The commits of a short while go out in one round: a round's mark takes the store's write lock,
# which the webhooks wait for.
GATHER_S = 0.05
# A child that ran this long before it died is started again at once, not after a long pause
_STEADY_S = 60.0


class RelayProcess:
    """The parent's side: starts the child (``run``, a task of the service), wakes it, restarts
    it when it dies, and stops it."""

    def __init__(self, config: dict, *, reads: "OutboxRelay", first_restart_s: float = 0.5,
                 stop_timeout_s: float = 20.0) -> None:
        self._config = config
        self._reads = reads  # the same table, on the service's engine
        self._first_restart_s, self._stop_timeout_s = first_restart_s, stop_timeout_s
        self._child: asyncio.subprocess.Process | None = None
        self._socket: socket.socket | None = None
        self._waking = False  # a wake written and not yet answered
        self._running = self._stopping = False
        self.started_children = 0

    @property
    def pid(self) -> int | None:
        return self._child.pid if self._child is not None else None

    @property
    def alive(self) -> bool:
        """False while the relay should run and no child does (it died; another is coming)."""
        return not self._running or self._stopping or self._child is not None

    def notify(self) -> None:
        """After a commit that emitted events: the child's next round reads them."""
        sock = self._socket
        if sock is None:  # no child yet: its first round reads everything waiting
            return
        if self._waking:
            try:
                if sock.recv(64):  # answered: the child's next round starts after this commit
                    self._waking = False
            except BlockingIOError:
                return  # not answered: the round to come reads this commit too
            except OSError:
                return
        self._write(WAKE)
        self._waking = True

    def retry_now(self) -> None:
        """The broker is back: the child stops sleeping out its backoff."""
        if self._socket is not None:
            self._write(RETRY)

    async def pending_stats(self, *, now: datetime | None = None) -> tuple[int, float]:
        return await self._reads.pending_stats(now=now)

    async def run(self) -> None:
        """Keeps one child running until ``stop``."""
        self._running, pause = True, self._first_restart_s
        try:
            while not self._stopping:
                began = time.monotonic()
                code = await self._run_child(first=self.started_children == 0)
                if self._stopping:
                    return
                if time.monotonic() - began > _STEADY_S:
                    pause = self._first_restart_s
                log.error("outbox.relay_process_died", exit_code=code, restart_in_s=pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)
        finally:
            self._running = False
            if self._child is not None and self._child.returncode is None:  # cancelled
                self._child.kill()
                await self._child.wait()

    async def stop(self) -> None:
        """Asks the child to stop (its producer flushed, the store's lock let go) and waits for
        it without holding up the loop; kills it after ``stop_timeout_s``."""
        self._stopping = True
        child = self._child
        self._close_socket()
        if child is None:
            return
        try:
            await asyncio.wait_for(child.wait(), self._stop_timeout_s)
        except TimeoutError:
            log.warning("outbox.relay_process_killed", waited_s=self._stop_timeout_s)
            child.kill()
            await child.wait()

    async def _run_child(self, *, first: bool) -> int:
        ours, theirs = socket.socketpair()
        ours.setblocking(False)
        config = dict(self._config, failpoint=self._config.get("failpoint") if first else None)
        path = os.pathsep.join(entry for entry in sys.path if entry)
        env = dict(os.environ, PYTHONPATH=path, **{_CONFIG_VARIABLE: json.dumps(config)})
        try:
            child = await asyncio.create_subprocess_exec(
                sys.executable, "-c", _CHILD, str(theirs.fileno()), env=env,
                pass_fds=(theirs.fileno(),), stdin=asyncio.subprocess.DEVNULL)
        finally:
            theirs.close()  # the child's now: its end closes when it exits
        self._child, self._socket, self._waking = child, ours, False
        self.started_children += 1
        try:
            return await child.wait()
        finally:
            self._child = None
            self._close_socket()

    def _write(self, byte: bytes) -> None:
        try:
            self._socket.send(byte)
        except BlockingIOError:  # a full buffer: the child has wakes enough to read
            pass
        except OSError:  # the child has gone; the next one reads everything waiting
            pass

    def _close_socket(self) -> None:
        sock, self._socket = self._socket, None
        if sock is not None:
            sock.close()


# Ctrl-C (SIGINT to the terminal's process group) and systemd's stop (SIGTERM to the control
# group) reach the child too: the parent alone decides when it stops (the socket's end), after
# its consumers have stopped, so their last commits are published.
_CHILD = ("import signal\n"
          "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
          "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
          "import sys\n"
          "from vod_shared.relay_process import main\n"
          "main(sys.argv[1:])\n")


def main(argv: list[str]) -> None:
    from vod_shared.logging import configure_logging
    config = json.loads(os.environ.pop(_CONFIG_VARIABLE))
    configure_logging(service=config["service"], fmt=config["log_format"],
                      level=config["log_level"])
    sock = socket.socket(fileno=int(argv[0]))
    try:
        asyncio.run(_serve(sock, config))
    except Exception as exc:
        structlog.get_logger("vod.outbox").exception("outbox.relay_failed",
                                                     error=type(exc).__name__)
        sys.exit(1)


async def _serve(sock: socket.socket, config: dict) -> None:
    from datetime import timedelta

    from aiokafka import AIOKafkaProducer

    from vod_shared.db import create_engine
    from vod_shared.failpoints import Failpoints
    from vod_shared.kafka_clients import running
    from vod_shared.outbox import OutboxRelay

    engine = create_engine(config["database_url"], sqlite_driver=config["sqlite_driver"],
                           sqlite_pool_size=RELAY_POOL_SIZE, pool_size=RELAY_POOL_SIZE)
    try:
        async with running(AIOKafkaProducer(**producer_options(config))) as producer:
            relay = OutboxRelay(engine, _publish(producer), send=_send(producer),
                                service=config["service"],
                                poll_interval_s=config["poll_interval_s"],
                                retention=timedelta(days=config["retention_days"]),
                                failpoints=Failpoints(config.get("failpoint")))
            relaying = asyncio.create_task(relay.run(), name="outbox-relay")
            _listen(sock, relay, relaying, config.get("gather_s", GATHER_S))
            log.info("outbox.relay_process_started", pid=os.getpid())
            try:
                await relaying
            except asyncio.CancelledError:  # the parent asked it to stop, or has gone
                pass
            finally:
                asyncio.get_running_loop().remove_reader(sock.fileno())
    finally:
        await engine.dispose()
        sock.close()


def _listen(sock: socket.socket, relay: "OutboxRelay", relaying: asyncio.Task,
            gather_s: float) -> None:
    """Reads the parent's bytes on the loop: a wake (answered at once, the relay woken after
    ``gather_s``), a retry, or the end (the relay stops)."""
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    gathering = False

    def wake() -> None:
        nonlocal gathering
        gathering = False
        relay.notify()

    def readable() -> None:
        nonlocal gathering
        try:
            data = sock.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            loop.remove_reader(sock.fileno())
            relaying.cancel()
            return
        if WAKE in data:
            # answered before the round that reads the commits behind this wake begins
            try:
                sock.send(ACK)
            except OSError:
                pass
            if not gathering:
                gathering = True
                loop.call_later(gather_s, wake)
        if RETRY in data:
            relay.retry_now()

    loop.add_reader(sock.fileno(), readable)


def producer_options(config: dict) -> dict:
    options = dict(config["producer"])
    if options.get("security_protocol", "PLAINTEXT").endswith("SSL"):
        import ssl
        cafile = config.get("ssl_cafile")
        options["ssl_context"] = ssl.create_default_context(cafile=cafile)
    return options


def _headers(headers: dict[str, str]) -> list[tuple[str, bytes]]:
    # as FastStream wrote them: a content-type header always (empty on a tombstone)
    return [(name, value.encode()) for name, value in {"content-type": "", **headers}.items()]


def _send(producer):
    async def send(topic: str, key: bytes, value: bytes | None, headers: dict[str, str]):
        return await producer.send(topic, value=value, key=key, headers=_headers(headers))

    return send


def _publish(producer):
    async def publish(topic: str, key: bytes, value: bytes | None, headers: dict[str, str]):
        return await producer.send_and_wait(topic, value=value, key=key,
                                            headers=_headers(headers))

    return publish


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    main(sys.argv[1:])
