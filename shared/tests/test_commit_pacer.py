"""When consumed offsets are committed (``CommitPacer``): never past a batch that is not in the
store yet, and a commit the broker does not answer does not hold the consumer (or a stop)."""
import asyncio

import pytest

from vod_shared import runtime
from vod_shared.runtime import CommitPacer


class Consumer:
    """Positions as aiokafka keeps them: ``commit()`` reads every consumed position at its first
    step; a fetch moves the position past a new batch before the batch is in the store."""

    def __init__(self) -> None:
        self.position = self.stored = 10
        self.committed: list[int] = []

    def message(self, answers: bool = True):
        consumer = self

        class Message:
            async def ack(self) -> None:
                consumer.committed.append(consumer.position)
                if not answers:
                    await asyncio.Event().wait()  # the broker away: the coordinator never found
        return Message()


async def test_a_commit_reads_the_positions_before_a_batch_fetched_in_the_same_turn_moves_them():
    consumer, pacer = Consumer(), CommitPacer(every=1000, interval_s=1000)
    pacer._uncommitted = consumer.message()  # the last batch handled, in the store
    fetched = asyncio.get_running_loop().create_future()

    async def a_batch_arrives() -> None:
        await fetched
        consumer.position += 5  # getmany returned 5 more records
        pacer.in_flight = True
        await asyncio.sleep(0.01)  # their transaction
        consumer.stored, pacer.in_flight = consumer.position, False

    batch = asyncio.create_task(a_batch_arrives())
    await asyncio.sleep(0)
    fetched.set_result(None)  # the fetch answers in the turn the quiet-time flush runs
    await pacer.flush()
    await batch
    assert consumer.committed == [10]  # not 15: those 5 were not in the store at the commit


async def test_a_commit_the_broker_does_not_answer_is_kept_for_the_next_flush(monkeypatch):
    monkeypatch.setattr(runtime, "COMMIT_WAIT_S", 0.05)
    consumer, pacer = Consumer(), CommitPacer(every=1000, interval_s=1000)
    pacer._uncommitted = consumer.message(answers=False)
    await asyncio.wait_for(pacer.flush(), 1.0)  # returns: the handler (and a stop) go on
    assert pacer._uncommitted is not None and pacer._waiting
    pacer._uncommitted = consumer.message()
    await pacer.flush()
    assert pacer._uncommitted is None and not pacer._waiting
