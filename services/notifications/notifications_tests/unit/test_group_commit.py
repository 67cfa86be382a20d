"""Group commit: callers that hand in items together share one transaction; a failed one is
split so that a bad item fails only its own caller."""
import asyncio

import pytest

from notifications.service_layer.batching import GroupCommit


class Store:
    """Applies batches, recording each; an item named "poison" fails any batch it is in."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    async def apply(self, items: list[str]) -> list[str]:
        await asyncio.sleep(0.01)  # a transaction takes a while: others queue behind it
        if "poison" in items:
            raise ValueError("poison")
        self.batches.append(list(items))
        return [item.upper() for item in items]


async def test_items_handed_in_together_share_one_transaction_and_each_gets_its_answer():
    store = Store()
    group = GroupCommit(store.apply, limit=100)
    answers = await asyncio.gather(*(group.submit(f"m{i}") for i in range(50)))
    assert answers == [f"M{i}" for i in range(50)]
    assert store.batches == [[f"m{i}" for i in range(50)]]


async def test_items_arriving_during_a_transaction_go_in_the_next_up_to_the_limit():
    store = Store()
    group = GroupCommit(store.apply, limit=10)
    first = asyncio.ensure_future(group.submit("a"))
    await asyncio.sleep(0.001)  # the first transaction is under way
    rest = [asyncio.ensure_future(group.submit(f"b{i}")) for i in range(25)]
    await asyncio.gather(first, *rest)
    assert [len(batch) for batch in store.batches] == [1, 10, 10, 5]


async def test_a_poison_item_fails_only_its_caller_and_the_others_are_applied_once():
    store = Store()
    group = GroupCommit(store.apply, limit=100)
    results = await asyncio.gather(*(group.submit(item) for item in ("a", "poison", "c")),
                                   return_exceptions=True)
    assert results[0] == "A" and results[2] == "C"
    assert isinstance(results[1], ValueError)
    applied = [item for batch in store.batches for item in batch]
    assert sorted(applied) == ["a", "c"]  # nothing of the failed batch was kept twice


async def test_a_caller_who_gives_up_does_not_stop_the_others():
    store = Store()
    group = GroupCommit(store.apply, limit=100)
    quitter = asyncio.ensure_future(group.submit("q"))
    stayer = asyncio.ensure_future(group.submit("s"))
    await asyncio.sleep(0)
    quitter.cancel()
    assert await stayer == "S"
    with pytest.raises(asyncio.CancelledError):
        await quitter


async def test_after_a_quiet_spell_the_first_transaction_takes_first_then_twice_as_many():
    store = Store()
    group = GroupCommit(store.apply, limit=100, first=1, quiet_s=0.05)
    answers = await asyncio.gather(*(group.submit(f"m{i}") for i in range(32)))
    assert answers == [f"M{i}" for i in range(32)]
    # the first answers of a burst do not wait for the whole burst's work
    assert [len(batch) for batch in store.batches] == [1, 2, 4, 8, 16, 1]
    assert store.batches[0] == ["m0"]
    await asyncio.sleep(0.1)  # a quiet spell: the next burst starts again from one
    await asyncio.gather(*(group.submit(f"n{i}") for i in range(5)))
    assert [len(batch) for batch in store.batches][6:] == [1, 2, 2]


async def test_within_a_burst_the_limit_stays_grown_when_the_queue_empties_for_a_moment():
    """In a fan-out a handful of claims wait at a time, and the queue is empty after nearly
    every transaction: each handful still goes in one transaction, not 1, then 2, then 4."""
    store = Store()
    group = GroupCommit(store.apply, limit=100, first=1, quiet_s=5.0)
    await asyncio.gather(*(group.submit(f"m{i}") for i in range(7)))
    assert [len(batch) for batch in store.batches] == [1, 2, 4]
    for burst in range(3):  # the queue emptied; the next handful comes soon after
        await asyncio.gather(*(group.submit(f"n{burst}.{i}") for i in range(6)))
    assert [len(batch) for batch in store.batches][3:] == [6, 6, 6]


async def test_the_doubling_stops_at_the_limit():
    store = Store()
    group = GroupCommit(store.apply, limit=10, first=1)
    await asyncio.gather(*(group.submit(f"m{i}") for i in range(40)))
    assert [len(batch) for batch in store.batches] == [1, 2, 4, 8, 10, 10, 5]


async def test_an_escape_right_after_a_burst_goes_first_and_nearly_alone():
    """An escape's first claim 0.1 s after a burst of ordinary ones (the ramp grown to 32)
    goes before the ordinary claims waiting with it, in a transaction of its own."""
    store = Store()
    group = GroupCommit(store.apply, limit=100, first=1)
    await asyncio.gather(*(group.submit(f"ack{i}") for i in range(60)))
    await asyncio.sleep(0.1)  # within the quiet spell: the ramp stays grown for ordinary ones
    store.batches.clear()
    ordinary = [asyncio.ensure_future(group.submit(f"later{i}")) for i in range(31)]
    escape = [asyncio.ensure_future(group.submit(f"escape{i}", urgent=True)) for i in range(5)]
    await asyncio.gather(*ordinary, *escape)
    assert store.batches[0] == ["escape0"]
    # the escape's others next, in order, before any ordinary claim; nothing applied twice
    applied = [item for batch in store.batches for item in batch]
    assert applied[:5] == [f"escape{i}" for i in range(5)]
    assert sorted(applied[5:]) == sorted(f"later{i}" for i in range(31))


async def test_within_a_burst_items_a_moment_apart_are_gathered_into_one_transaction():
    """In a fan-out the sends come back one at a time: with ``gather_s`` the transaction
    after the first of a burst waits that long for more (fewer, larger transactions: the
    store's work per transaction was most of the sender's), while the first of a burst goes
    at once."""
    store = Store()
    group = GroupCommit(store.apply, limit=100, first=4, quiet_s=5.0, gather_s=0.5)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await group.submit("first") == "FIRST"
    assert loop.time() - started < 0.5  # the first of a burst did not wait to gather
    waiting = [asyncio.ensure_future(group.submit("b"))]
    for item in ("c", "d"):  # each comes a moment after the one before
        await asyncio.sleep(0.05)
        waiting.append(asyncio.ensure_future(group.submit(item)))
    assert await asyncio.gather(*waiting) == ["B", "C", "D"]
    assert store.batches == [["first"], ["b", "c", "d"]]
