"""What a broker outage does to a service, told in a few lines of ours (issue 16): when the broker
goes away, every ``say_every_s`` while it stays away (how many events wait in the outbox and for
how long), once when it is back, and once when the backlog it left is gone. ``/healthz`` says
"catching up", with the figures, between those last two.

The Kafka client's own errors during an outage are held back by ``logging.OncePerWindow``; these
lines are the ones an operator reads.
"""
import asyncio
import time
from collections.abc import Awaitable, Callable

import structlog

from vod_shared.stopping import stop_if_cancelled

log = structlog.get_logger("vod.backlog")

OK, AWAY, CATCHING_UP = "ok", "away", "catching up"


class BacklogWatch:
    def __init__(self, *, broker_ok: Callable[[], Awaitable[bool]],
                 pending: Callable[[], Awaitable[tuple[int, float]]], every_s: float = 2.0,
                 say_every_s: float = 10.0, clock: Callable[[], float] = time.monotonic,
                 on_back: Callable[[], None] = lambda: None) -> None:
        self._broker_ok, self._pending, self._on_back = broker_ok, pending, on_back
        self._every_s, self._say_every_s, self._clock = every_s, say_every_s, clock
        self.state = OK
        self._since = 0.0  # when the broker went away, or came back
        self._said = 0.0

    async def run(self) -> None:
        while True:
            stop_if_cancelled()
            try:
                await self.check()
            except Exception as exc:  # the store is away too: the next round will tell
                stop_if_cancelled(exc)
                log.warning("backlog.check_failed", error=type(exc).__name__)
            await asyncio.sleep(self._every_s)

    async def check(self) -> None:
        """One look at the broker and the outbox; logs only when there is something to say."""
        reachable = await self._broker_ok()
        waiting, oldest = await self._pending()
        now = self._clock()
        figures = {"events_waiting": waiting, "oldest_waiting_s": round(oldest, 1)}
        if not reachable:
            if self.state != AWAY:
                self.state, self._since, self._said = AWAY, now, now
                log.warning("broker.away", **figures)
            elif now - self._said >= self._say_every_s:
                self._said = now
                log.warning("broker.still_away", away_s=round(now - self._since, 1), **figures)
            return
        if self.state == AWAY:
            log.info("broker.back", away_s=round(now - self._since, 1), **figures)
            self._on_back()  # the outbox relay tries again now, not at the end of its backoff
            self.state, self._since = CATCHING_UP, now
        if self.state == CATCHING_UP and waiting == 0:
            log.info("backlog.cleared", after_s=round(now - self._since, 1))
            self.state = OK

    @property
    def catching_up(self) -> bool:
        return self.state == CATCHING_UP
