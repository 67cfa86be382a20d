"""Fair turns on a service's one event loop.

Each service runs its webhooks, its consumer, its outbox relay and (notifications) its sender on
one asyncio loop, and on SQLite its statements run on that loop's thread without waiting for
anything (``vod_shared.sqlite_driver``): a unit of work, begun, runs to its commit in one step.
A loop turn runs one step of every task that is ready, so a burst of 32 webhooks in flight ran
32 whole transactions in one turn: 0.3–0.6 s in which the relay could not hand its records on,
nor read the broker's acknowledgements (the first escape text of a burst came a second late).

``take_turn()`` goes before such a step: while this turn's share (``TURN_S``) is spent, it waits
for the loop's next turn, so a turn runs about one transaction's worth of work and everything
else that is ready (the relay's next step, an acknowledgement read, a timer) gets its turn in
between. Those waiting keep their order. It takes nothing itself, but the task that waits keeps
what it holds: a consumer's batch waits between its records inside its transaction (on SQLite
holding the store's write lock once it has written, on PostgreSQL its subjects' locks), so a
writer that starts meanwhile waits for that transaction, as for any other (on SQLite by trying
again, ``vod_shared.sqlite_driver``); reads go on.
"""
import asyncio
import time

TURN_S = 0.01  # the work one turn runs before the loop turns again (about one transaction)


class _Turns:
    def __init__(self) -> None:
        self.began = float("-inf")  # when this turn's share began
        self.armed: asyncio.AbstractEventLoop | None = None

    def next_turn(self) -> None:
        self.armed = None
        self.began = time.monotonic()


_turns = _Turns()


async def take_turn() -> None:
    """Waits while this turn's share of work is spent (see the module's docstring)."""
    while time.monotonic() - _turns.began >= TURN_S:
        loop = asyncio.get_running_loop()
        if _turns.armed is not loop:
            # queued before the waiters: it starts the next turn's share, then they run
            loop.call_soon(_turns.next_turn)
            _turns.armed = loop
        await asyncio.sleep(0)
