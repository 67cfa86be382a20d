"""A service's engine on SQLite keeps few connections open between transactions, each with a
small page cache (what each holds stays in the service's memory), yet as many transactions run
at once as before."""
import asyncio
import gc
from collections.abc import Callable
from contextlib import AsyncExitStack

import pytest
from sqlalchemy import event, text

from vod_shared.db import (
    SQLITE_CACHE_KIB,
    SQLITE_CACHED_STATEMENTS,
    SQLITE_MAX_CONNECTIONS,
    SQLITE_POOL_SIZE,
    create_engine,
)


def _live_connections(engine) -> Callable[[], int]:
    """How many of the engine's SQLite connections are open now. (Not the process's file
    descriptors on the store: SQLite keeps a closed connection's descriptor for the next one
    while others in the process hold locks on the file.)"""
    opened, closed = [], []
    event.listen(engine.sync_engine.pool, "connect", lambda *_: opened.append(1))
    event.listen(engine.sync_engine.pool, "close", lambda *_: closed.append(1))
    return lambda: len(opened) - len(closed)


@pytest.mark.parametrize("driver", ["inloop", "aiosqlite"])
async def test_a_burst_of_transactions_leaves_only_the_pools_few_connections_open(
        tmp_path, driver):
    store = tmp_path / "store.db"
    engine = create_engine(f"sqlite+aiosqlite:///{store}", sqlite_driver=driver)
    live = _live_connections(engine)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY)"))
    try:
        async with AsyncExitStack() as stack:  # the burst: every connection open at once
            connections = [await stack.enter_async_context(engine.connect())
                           for _ in range(SQLITE_MAX_CONNECTIONS)]
            counts = await asyncio.gather(*(c.execute(text("SELECT count(*) FROM t"))
                                            for c in connections))
            assert [count.scalar() for count in counts] == [0] * SQLITE_MAX_CONNECTIONS
            assert live() == SQLITE_MAX_CONNECTIONS
        assert live() == engine.pool.checkedin() == SQLITE_POOL_SIZE < SQLITE_MAX_CONNECTIONS
        async with engine.connect() as conn:
            cache = (await conn.execute(text("PRAGMA cache_size"))).scalar()
        assert cache == -SQLITE_CACHE_KIB  # KiB; SQLite's own default is 2,000 KiB
        assert SQLITE_CACHE_KIB < 2000
    finally:
        await engine.dispose()
    assert live() == 0


def _sqlite_memory() -> Callable[[], int]:
    """SQLite's own memory in this process (bytes), as the library counts it."""
    import _sqlite3
    import ctypes

    library = ctypes.CDLL(_sqlite3.__file__)
    library.sqlite3_memory_used.restype = ctypes.c_int64
    return library.sqlite3_memory_used


@pytest.mark.parametrize("driver", ["inloop", "aiosqlite"])
async def test_a_connection_keeps_few_statements_prepared(tmp_path, driver):
    """A read of ``IN (...)`` is a new statement for each number of ids; each connection kept
    the last 128 prepared (sqlite3's default), which after a burst held MiBs in every service.
    Now a connection keeps SQLITE_CACHED_STATEMENTS: statements beyond them take no more."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}", sqlite_driver=driver)
    used = _sqlite_memory()
    try:
        async with engine.connect() as conn:
            await conn.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY, a TEXT, b TEXT)"))

            async def distinct_statements(first: int, last: int) -> None:
                for k in range(first, last):  # as alike as statements go, each its own text
                    await conn.execute(text(f"SELECT n, a, b AS b{k} FROM t WHERE n IN (1, 2)"))

            gc.collect()  # no other connection of this process freed within the window
            before = used()
            await distinct_statements(0, SQLITE_CACHED_STATEMENTS)
            kept = used() - before  # the cache full
            await distinct_statements(SQLITE_CACHED_STATEMENTS, 4 * SQLITE_CACHED_STATEMENTS)
            beyond = used() - before - kept
    finally:
        await engine.dispose()
    assert kept > 0
    assert beyond < kept / 4, f"{beyond} more bytes for statements beyond the {kept} kept"
