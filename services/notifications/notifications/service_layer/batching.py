"""Group commit: many callers, one transaction.

Each caller hands in one item and waits for its own answer; the items handed in while the
previous transaction was under way (or within the same turn of the event loop) go in the next
one, up to ``limit`` at a time; the first transaction after a quiet spell (``quiet_s``
without one) takes at most ``first``, and each next one twice as many as the one before, up
to ``limit`` (so the first answers of a burst do not wait for a whole batch's work: its second
did, behind 99 others, when the second transaction took them all). Within a burst the limit
stays where it grew even when the queue empties for a moment (in a fan-out it empties after
nearly every transaction: starting again from one each time took two or three transactions
for a handful of items, and the store's work per transaction was most of the sender's). An
urgent item (an escape's notice) goes before the others waiting, and the first urgent one after
a quiet spell of urgent ones starts the ramp again from ``first``: an escape right after a
burst of acknowledgements does not wait for a whole batch's work. With ``gather_s``, a
transaction within a burst (not the first after a quiet spell, nor the first urgent one) that
has fewer items than its limit waits that long for more before it starts: in a fan-out the
sends come back one at a time, so without it most transactions held a handful. A caller is
answered only once its transaction has committed, so "the claim is committed before the
provider is called" holds for each message as before;
if the transaction fails, every caller in it gets the error (nothing of it was committed).
"""
import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")
Answer = TypeVar("Answer")


class GroupCommit(Generic[Item, Answer]):
    def __init__(self, apply: Callable[[list[Item]], Awaitable[list[Answer]]], *,
                 limit: int = 100, first: int | None = None, quiet_s: float = 0.5,
                 gather_s: float = 0.0, name: str = "group-commit") -> None:
        self._apply, self._limit, self._name = apply, max(1, limit), name
        self._first = max(1, min(first or self._limit, self._limit))
        self._quiet_s, self._gather_s = quiet_s, gather_s
        self._grown = self._first  # the next transaction's limit within a burst
        self._last_end = float("-inf")  # the loop's time the last transaction ended
        self._last_urgent_end = float("-inf")  # ... and the last one with an urgent item
        self._waiting: list[tuple[Item, asyncio.Future]] = []
        self._urgent_waiting = 0  # the first this many of ``_waiting`` are urgent
        self._worker: asyncio.Task | None = None

    async def submit(self, item: Item, *, urgent: bool = False) -> Answer:
        answer = asyncio.get_running_loop().create_future()
        if urgent:  # after the urgent ones already waiting, before every other
            self._waiting.insert(self._urgent_waiting, (item, answer))
            self._urgent_waiting += 1
        else:
            self._waiting.append((item, answer))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work(), name=self._name)
        # Not cancelled with the caller: the others in its transaction still need it.
        return await answer

    async def _work(self) -> None:
        await asyncio.sleep(0)  # let every caller ready in this turn hand its item in
        loop = asyncio.get_running_loop()
        if loop.time() - self._last_end > self._quiet_s:
            self._grown = self._first
        while self._waiting:
            urgent = self._urgent_waiting > 0
            if urgent and loop.time() - self._last_urgent_end > self._quiet_s:
                self._grown = self._first
            elif (self._gather_s and loop.time() - self._last_end <= self._quiet_s
                  and len(self._waiting) < self._grown):
                await asyncio.sleep(self._gather_s)  # within a burst: let more come
                urgent = self._urgent_waiting > 0
            limit = self._grown
            taken, self._waiting = self._waiting[:limit], self._waiting[limit:]
            self._urgent_waiting = max(0, self._urgent_waiting - len(taken))
            self._grown = min(2 * limit, self._limit)
            try:
                answers = await self._apply([item for item, _ in taken])
            except Exception as exc:  # noqa: BLE001 - handed to its caller, who decides
                if len(taken) == 1:
                    _answer_all(taken, error=exc)
                    continue
                # Nothing of it was committed: each item alone, so that one bad item (a
                # poison row) fails only its own caller
                for alone in taken:
                    await self._apply_alone(alone)
                continue
            finally:
                self._last_end = loop.time()
                if urgent:
                    self._last_urgent_end = self._last_end
            _answer_all(taken, answers)

    async def _apply_alone(self, alone: tuple[Item, asyncio.Future]) -> None:
        try:
            answers = await self._apply([alone[0]])
        except Exception as exc:  # noqa: BLE001 - handed to its caller
            _answer_all([alone], error=exc)
            return
        _answer_all([alone], answers)


def _answer_all(taken: list[tuple[object, asyncio.Future]], answers: list | None = None, *,
                error: Exception | None = None) -> None:
    for index, (_, answer) in enumerate(taken):
        if answer.done():  # its caller gave up waiting
            continue
        if error is not None:
            answer.set_exception(error)
        else:
            answer.set_result(answers[index])
