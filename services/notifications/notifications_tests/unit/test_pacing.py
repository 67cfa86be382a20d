"""The provider's pace: turns at its rate, an urgent caller first, a 429 holding every turn."""
import asyncio

from notifications.adapters.pacing import Pace, Pool


async def _turns(pace: Pace, names: list[str], urgent: set[str], order: list[str],
                 times: list[float]) -> None:
    loop = asyncio.get_running_loop()

    async def one(name: str) -> None:
        await pace.turn(urgent=name in urgent)
        order.append(name)
        times.append(loop.time())

    await asyncio.gather(*(one(name) for name in names))


async def test_turns_come_at_the_rate_and_no_faster():
    order, times = [], []
    await _turns(Pace(20.0), [f"t{i}" for i in range(6)], set(), order, times)
    assert order == [f"t{i}" for i in range(6)]  # first come, first served
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= 0.045, gaps  # 1/20 s apart, a scheduler's tick aside


async def test_an_urgent_caller_takes_the_next_turn_ahead_of_those_waiting():
    order, times = [], []
    pace = Pace(20.0)
    await pace.turn()  # the number has just sent: the others must wait for their turn
    await _turns(pace, ["a", "b", "c", "escape"], {"escape"}, order, times)
    assert order == ["escape", "a", "b", "c"]


async def test_a_429_holds_every_turn_for_its_retry_after():
    loop = asyncio.get_running_loop()
    pace = Pace(None)  # no limit of its own (the local catcher)
    began = loop.time()
    await pace.turn()
    assert loop.time() - began < 0.05
    pace.hold(0.3)
    await pace.turn()
    assert loop.time() - began >= 0.29


async def test_a_full_pool_lets_an_urgent_send_in_first_and_a_cancelled_waiter_loses_nothing():
    pool, order = Pool(1), []
    await pool.take()

    async def one(name: str, urgent: bool = False) -> None:
        await pool.take(urgent=urgent)
        order.append(name)
        pool.give_back()

    late = asyncio.create_task(one("a"))
    gone = asyncio.create_task(one("gone"))
    urgent = asyncio.create_task(one("escape", urgent=True))
    await asyncio.sleep(0)
    gone.cancel()
    pool.give_back()
    await asyncio.gather(late, urgent)
    assert order == ["escape", "a"]
    await asyncio.wait_for(pool.take(), 0.5)  # the slot came back after all
