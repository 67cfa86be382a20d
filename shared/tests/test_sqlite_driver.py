"""The in-loop SQLite driver: a writer waiting for the store's one write lock lets the event loop
turn (the holder is often in the same process and needs the loop to finish), gives up with the
usual OperationalError once its timeout is spent, and long statements leave the loop free."""
import asyncio
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from vod_shared import sqlite_driver
from vod_shared.db import create_engine


async def _ticks_while(work) -> tuple[object, int]:
    """Runs ``work`` and counts how often the loop got to another task meanwhile."""
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        return await work, ticks
    finally:
        ticker.cancel()


async def _table(engine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE IF NOT EXISTS t (n INTEGER PRIMARY KEY)"))


async def test_a_writer_waits_for_a_lock_held_in_the_same_process_without_stopping_the_loop(
        tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    holder, waiter = create_engine(url), create_engine(url)
    await _table(holder)

    async def hold_then_commit() -> None:
        async with holder.begin() as conn:
            await conn.execute(text("INSERT INTO t (n) VALUES (1)"))
            await asyncio.sleep(0.3)  # the holder needs the loop to reach its commit

    async def write() -> float:
        began = time.monotonic()
        async with waiter.begin() as conn:
            await conn.execute(text("INSERT INTO t (n) VALUES (2)"))
        return time.monotonic() - began

    holding = asyncio.create_task(hold_then_commit())
    await asyncio.sleep(0.05)
    waited, ticks = await _ticks_while(write())
    await holding
    async with waiter.connect() as conn:
        assert (await conn.execute(text("SELECT n FROM t ORDER BY n"))).scalars().all() == [1, 2]
    assert 0.15 < waited < 5  # it waited for the holder's commit, not for its own timeout
    assert ticks >= 20  # and the loop kept turning meanwhile
    await holder.dispose()
    await waiter.dispose()


async def test_a_lock_held_past_the_timeout_raises_the_usual_error(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    holder = create_engine(url)
    impatient = create_async_engine(
        url, async_creator=sqlite_driver.async_creator(url, timeout=0.2))
    await _table(holder)
    async with holder.begin() as conn:
        await conn.execute(text("INSERT INTO t (n) VALUES (1)"))
        began = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"):
            async with impatient.begin() as other:
                await other.execute(text("INSERT INTO t (n) VALUES (2)"))
        assert 0.15 < time.monotonic() - began < 2
    async with impatient.connect() as conn:  # the failed writer left nothing behind
        assert (await conn.execute(text("SELECT n FROM t"))).scalars().all() == [1]
    await holder.dispose()
    await impatient.dispose()


async def test_vacuum_and_table_copies_run_off_the_loop_and_leave_the_data_whole(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    await _table(engine)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE copy (n INTEGER PRIMARY KEY)"))
        await conn.execute(text("INSERT INTO t (n) VALUES (:n)"), [{"n": n} for n in range(20000)])

    async def copy_then_vacuum() -> int:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO copy (n) SELECT n FROM t"))
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM"))
            return await conn.scalar(text("SELECT count(*) FROM copy"))

    copied, _ticks = await _ticks_while(copy_then_vacuum())
    assert copied == 20000
    await engine.dispose()


async def test_the_aiosqlite_driver_is_still_there_to_fall_back_to(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}",
                           sqlite_driver="aiosqlite")
    await _table(engine)
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert type(raw.driver_connection).__module__.startswith("aiosqlite")
        assert await conn.scalar(text("PRAGMA busy_timeout")) == 30000
    await engine.dispose()
    inloop = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    async with inloop.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.driver_connection, sqlite_driver.Connection)
        assert await conn.scalar(text("PRAGMA busy_timeout")) == 0  # waits by awaiting instead
    await inloop.dispose()


async def test_an_in_memory_store_works_as_before():
    engine = create_engine("sqlite+aiosqlite://")
    await _table(engine)
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (n) VALUES (7)"))
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT n FROM t")) == 7
    await engine.dispose()
