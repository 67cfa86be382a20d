"""What consumed offsets are committed (``CommitPacer``): each partition's last record handled,
never past one that is not in the store yet, never a partition another consumer holds now; and a
commit the broker does not answer does not hold the consumer (or a stop)."""
import asyncio

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import IllegalStateError

from vod_shared import runtime
from vod_shared.consumer import Record
from vod_shared.runtime import CommitPacer

P0, P1, P2 = (TopicPartition("vod.requests", n) for n in range(3))


class Consumer:
    """aiokafka's consumer as the pacer sees it: the partitions it holds, and commits. Its
    positions move on as soon as a fetch returns, before the records are in the store."""

    def __init__(self, *assigned: TopicPartition, answers: bool = True) -> None:
        self.assigned = set(assigned)
        self.positions = {tp: 0 for tp in assigned}
        self.answers = answers
        self.committed: list[dict[TopicPartition, int]] = []  # as the broker took them

    def assignment(self) -> set[TopicPartition]:
        return set(self.assigned)

    async def commit(self, offsets=None) -> None:
        offsets = dict(offsets if offsets is not None else self.positions)
        if set(offsets) - self.assigned:  # as aiokafka refuses them
            raise IllegalStateError(f"Partition {set(offsets) - self.assigned} is not assigned")
        if not self.answers:
            await asyncio.Event().wait()  # the broker away: the coordinator never found
        self.committed.append(offsets)

    def fetch(self, tp: TopicPartition, count: int) -> list[Record]:
        first = self.positions[tp]
        self.positions[tp] += count
        return [Record(topic=tp.topic, partition=tp.partition, offset=first + n, key=b"k",
                       value=b"{}", headers=()) for n in range(count)]


def pacer() -> CommitPacer:
    return CommitPacer(every=1000, interval_s=1000)  # only the flushes the test makes


async def test_a_flush_between_a_fetch_and_its_transaction_commits_only_what_is_in_the_store():
    consumer, commits = Consumer(P0), pacer()
    await commits.handled(consumer, consumer.fetch(P0, 10))  # offsets 0-9, in the store
    consumer.fetch(P0, 5)  # 10-14 fetched: the position is 15, their transaction not begun
    await commits.flush()  # the quiet-time flush runs in that turn
    assert consumer.committed == [{P0: 10}]  # a crash now brings 10-14 again; none is lost


async def test_each_partition_is_committed_at_its_own_last_record_handled():
    consumer, commits = Consumer(P0, P1), pacer()
    batch = consumer.fetch(P0, 3) + consumer.fetch(P1, 7) + consumer.fetch(P0, 2)
    await commits.handled(consumer, batch)
    await commits.flush()
    assert consumer.committed == [{P0: 5, P1: 7}]
    await commits.flush()  # nothing handled since: no round trip
    assert len(consumer.committed) == 1


async def test_a_partition_taken_away_by_a_rebalance_is_not_committed_by_its_old_holder():
    consumer, commits = Consumer(P0, P1), pacer()
    await commits.handled(consumer, consumer.fetch(P0, 4) + consumer.fetch(P1, 4))
    consumer.assigned = {P0, P2}  # P1 is another copy's now; it reads it from the last commit
    await commits.flush()
    assert consumer.committed == [{P0: 4}]


async def test_a_commit_the_broker_does_not_answer_is_kept_for_the_next_flush(monkeypatch):
    monkeypatch.setattr(runtime, "COMMIT_WAIT_S", 0.05)
    consumer, commits = Consumer(P0, P1, answers=False), pacer()
    await commits.handled(consumer, consumer.fetch(P0, 3) + consumer.fetch(P1, 2))
    await asyncio.wait_for(commits.flush(), 1.0)  # returns: the handler (and a stop) go on
    consumer.answers = True
    await commits.handled(consumer, consumer.fetch(P0, 4))  # the broker back, a batch more
    await commits.flush()
    assert consumer.committed == [{P0: 7, P1: 2}]


async def test_a_slow_commit_never_takes_a_partition_back_below_a_later_one(monkeypatch):
    monkeypatch.setattr(runtime, "COMMIT_WAIT_S", 0.05)
    consumer, commits = Consumer(P0, answers=False), pacer()
    await commits.handled(consumer, consumer.fetch(P0, 10))
    quiet = asyncio.create_task(commits.flush())  # the quiet-time flush: no answer
    await asyncio.sleep(0)
    consumer.answers = True
    await commits.handled(consumer, consumer.fetch(P0, 5))
    await commits.flush()  # a handler's, due meanwhile
    await quiet
    await commits.flush()
    assert consumer.committed == [{P0: 15}]


async def test_a_flush_cancelled_at_the_stop_leaves_its_offsets_to_the_last_flush():
    consumer, commits = Consumer(P0, answers=False), pacer()
    await commits.handled(consumer, consumer.fetch(P0, 6))
    quiet = asyncio.create_task(commits.flush())
    await asyncio.sleep(0)
    quiet.cancel()  # the stop cancels the quiet-time flush first
    with pytest.raises(asyncio.CancelledError):
        await quiet
    consumer.answers = True
    await commits.flush()  # the stop's last flush
    assert consumer.committed == [{P0: 6}]


async def test_a_consumer_started_afresh_commits_only_what_it_handled_itself():
    old, commits = Consumer(P0, P1), pacer()
    await commits.handled(old, old.fetch(P0, 4) + old.fetch(P1, 4))
    new = Consumer(P0, P1)  # the old one's coordination ended; it was stopped before a flush
    await commits.handled(new, new.fetch(P1, 2))
    await commits.flush()
    assert new.committed == [{P1: 2}] and old.committed == []


async def test_a_slow_commit_of_the_old_consumer_leaves_nothing_to_the_one_started_afresh(
        monkeypatch):
    monkeypatch.setattr(runtime, "COMMIT_WAIT_S", 0.05)
    old, commits = Consumer(P0, answers=False), pacer()
    await commits.handled(old, old.fetch(P0, 50))
    quiet = asyncio.create_task(commits.flush())  # on the old consumer: no answer
    await asyncio.sleep(0)
    new = Consumer(P0)  # the old one's coordination ended; this one reads on from the last commit
    new.positions[P0] = 10
    await commits.handled(new, new.fetch(P0, 1))
    await quiet  # gives up; its offsets were the old consumer's
    await commits.flush()
    assert new.committed == [{P0: 11}]
