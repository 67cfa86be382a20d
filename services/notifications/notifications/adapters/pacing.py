"""Pacing sends to a provider's limit: one message per ``1/rate`` seconds (a long code's 1 a
second, a short code's 100; no limit at all for a local catcher), an urgent one first.

A ``Pace`` hands out turns one at a time, at the provider's rate, to whoever waits with the
highest priority (an urgent notice before the rest, then first come, first served); a 429's
``Retry-After`` holds every turn until it has passed. No burst beyond the rate: a carrier
filters a number that sends faster than it may.
"""
import asyncio
import heapq
import itertools


class Pace:
    def __init__(self, per_second: float | None) -> None:
        self._interval = 1.0 / per_second if per_second else 0.0
        self._next = 0.0  # loop time of the next free turn
        self._waiting: list[tuple[int, int, asyncio.Future]] = []
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    @property
    def unlimited(self) -> bool:
        return not self._interval

    async def turn(self, *, urgent: bool = False) -> None:
        """Returns when this caller may send its one message."""
        loop = asyncio.get_running_loop()
        if self.unlimited and self._next <= loop.time():
            return
        granted = loop.create_future()
        heapq.heappush(self._waiting, (0 if urgent else 1, next(self._order), granted))
        self._arm()
        await granted  # cancelled while waiting: the turn is never handed to it

    def hold(self, seconds: float) -> None:
        """The provider said "too many" (429): no turn for ``seconds``."""
        loop = asyncio.get_running_loop()
        self._next = max(self._next, loop.time() + seconds)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._arm()

    def _arm(self) -> None:
        if self._timer is None and self._waiting:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_at(max(loop.time(), self._next), self._hand_out)

    def _hand_out(self) -> None:
        self._timer = None
        loop = asyncio.get_running_loop()
        while self._waiting and loop.time() >= self._next:
            _, _, granted = heapq.heappop(self._waiting)
            if granted.done():  # its caller gave up waiting
                continue
            granted.set_result(None)
            if not self.unlimited:
                self._next = loop.time() + self._interval
        self._arm()


class Paces:
    """The paces one message must keep: its sender number's and the whole account's."""

    def __init__(self, *paces: Pace) -> None:
        self._paces = [pace for pace in paces if pace is not None]

    async def turn(self, *, urgent: bool = False) -> None:
        for pace in self._paces:
            await pace.turn(urgent=urgent)

    def hold(self, seconds: float) -> None:
        for pace in self._paces:
            pace.hold(seconds)


class Pool:
    """At most ``size`` sends at once; when all are busy, an urgent one is next in line."""

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiting: list[tuple[int, int, asyncio.Future]] = []
        self._order = itertools.count()

    async def take(self, *, urgent: bool = False) -> None:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return
        granted = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (0 if urgent else 1, next(self._order), granted))
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self.give_back()  # handed over just as its caller gave up: pass it on
            raise

    def give_back(self) -> None:
        while self._waiting:
            _, _, granted = heapq.heappop(self._waiting)
            if not granted.done():
                granted.set_result(None)
                return
        self._free += 1
