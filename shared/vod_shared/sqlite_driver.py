"""A SQLite driver for SQLAlchemy's aiosqlite dialect that runs on the event loop's own thread.

aiosqlite hands every call (cursor, execute, fetch, close, commit) to a worker thread and waits
for the answer: some 0.4 ms of hops per statement, where ``sqlite3`` itself takes microseconds.
This driver offers the coroutine interface SQLAlchemy's aiosqlite dialect uses
(``sqlalchemy/dialects/sqlite/aiosqlite.py`` and ``connectors/asyncio.py``) and makes the
``sqlite3`` calls directly.

The catch is waiting for the store's one write lock. ``busy_timeout`` would sleep inside
``sqlite3`` and so stop the loop, while the connection holding the lock is often in this same
process (the outbox relay, the sender) and needs the loop to finish: a deadlock until the timeout.
So the connection runs with ``busy_timeout=0`` and a ``SQLITE_BUSY`` becomes
``await asyncio.sleep`` and another try, until the connection's ``timeout`` is spent; then the
``OperationalError`` is raised as before. Statements that may take long on their own (VACUUM, a
table copied with ``INSERT ... SELECT``) run in a worker thread so the loop keeps turning.
"""
import asyncio
import functools
import re
import sqlite3
import time
from typing import Any, Callable

SQLITE_BUSY = 5
SQLITE_BUSY_SNAPSHOT = 517  # the snapshot is stale: waiting cannot help, as with busy_timeout
FIRST_BACKOFF_S, LAST_BACKOFF_S = 0.001, 0.05
_LONG = re.compile(r"\s*(VACUUM\b|INSERT\s.*\sSELECT\s)", re.IGNORECASE | re.DOTALL)


def _busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:  # a Python without error codes: the message is all there is
        return "database is locked" in str(error)
    return code & 0xFF == SQLITE_BUSY and code != SQLITE_BUSY_SNAPSHOT


@functools.lru_cache(maxsize=1024)
def _runs_long(sql: str) -> bool:
    return bool(_LONG.match(sql))


async def _patiently(timeout: float, call: Callable[[], Any], *, in_thread: bool = False,
                     changes: Callable[[], int] | None = None) -> Any:
    """``call()``, tried again after a growing pause while the store is locked, for ``timeout``.
    ``changes``: the connection's count of changed rows; a call that changed some before the
    lock stopped it (rows of an ``executemany``) is not tried again, it would repeat them."""
    deadline, pause = time.monotonic() + timeout, FIRST_BACKOFF_S
    while True:
        before = changes() if changes else 0
        try:
            return await asyncio.to_thread(call) if in_thread else call()
        except sqlite3.OperationalError as error:
            if not _busy(error) or time.monotonic() + pause > deadline:
                raise
            if changes and changes() != before:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, LAST_BACKOFF_S)


class Cursor:
    """aiosqlite's cursor interface over a ``sqlite3.Cursor``, on the loop's thread."""

    def __init__(self, connection: "Connection", cursor: sqlite3.Cursor) -> None:
        self._connection, self._cursor = connection, cursor

    async def __aenter__(self) -> "Cursor":
        return self

    async def __aexit__(self, *_exc) -> None:
        await self.close()

    def __aiter__(self):
        return self

    async def __anext__(self):
        row = self._cursor.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row

    async def execute(self, sql: str, parameters: Any = None) -> "Cursor":
        arguments = (sql,) if parameters is None else (sql, parameters)
        await _patiently(self._connection.timeout, lambda: self._cursor.execute(*arguments),
                         in_thread=_runs_long(sql))
        return self

    async def executemany(self, sql: str, parameters: Any) -> "Cursor":
        parameters = list(parameters)  # an iterator would be spent by a first try
        await _patiently(self._connection.timeout,
                         lambda: self._cursor.executemany(sql, parameters),
                         changes=lambda: self._connection._conn.total_changes)
        return self

    async def fetchone(self):
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None):
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self):
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self):
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _Inline:
    """Stands in for aiosqlite's request queue, which the dialect's ``isolation_level`` setter
    feeds directly: the function runs at once."""

    @staticmethod
    def put_nowait(request) -> None:
        future, function = request
        try:
            future.set_result(function())
        except Exception as error:  # handed to the awaiting caller, as aiosqlite does
            future.set_exception(error)


class Connection:
    """aiosqlite's connection interface over a ``sqlite3.Connection``, on the loop's thread."""

    _tx = _Inline()

    def __init__(self, connection: sqlite3.Connection, timeout: float) -> None:
        self._conn, self.timeout = connection, timeout

    @property
    def _connection(self) -> sqlite3.Connection | None:  # the dialect asks whether still open
        return self._conn

    def cursor(self) -> "_CursorOpening":
        return _CursorOpening(self)

    async def commit(self) -> None:
        await _patiently(self.timeout, self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def stop(self) -> None:
        """A forced close (the dialect's ``terminate``)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level


class _CursorOpening:
    """``connection.cursor()`` is awaited with ``__aenter__`` by the dialect."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def __aenter__(self) -> Cursor:
        return Cursor(self._connection, self._connection._conn.cursor())


def connect(database: str, *, timeout: float = 5.0, **kwargs: Any) -> Connection:
    """A connection whose waits for the write lock yield to the loop (``busy_timeout`` off)."""
    kwargs.pop("check_same_thread", None)
    # Every call is made on the loop's thread, except the long statements run in a worker
    # thread while the caller awaits them: never two at once.
    connection = sqlite3.connect(database, timeout=0, check_same_thread=False, **kwargs)
    return Connection(connection, timeout)


def async_creator(url: str, **connect_args: Any) -> Callable[[], Any]:
    """What ``create_async_engine(async_creator=...)`` calls: the file and options the URL would
    give aiosqlite, with ``connect_args`` over them."""
    from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
    from sqlalchemy.engine import make_url

    args, kwargs = SQLiteDialect_pysqlite().create_connect_args(make_url(url))
    kwargs.update(connect_args)

    async def create() -> Connection:
        return connect(*args, **kwargs)
    return create
