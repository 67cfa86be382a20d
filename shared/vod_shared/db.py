"""Database engines and the tables every service has: the outbox and the inbox."""
import functools
from datetime import datetime, timezone

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    event,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from vod_shared import sqlite_driver as sqlite_driver_module

messaging_metadata = MetaData()

outbox = Table(
    "outbox",
    messaging_metadata,
    # The sequence is the publishing order; per key it is the order of the state changes.
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("topic", String(255), nullable=False),
    Column("key", String(255), nullable=False),
    Column("event_type", String(255), nullable=False),
    Column("value", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=True, index=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=True),
)

inbox = Table(
    "inbox",
    messaging_metadata,
    Column("consumer", String(128), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("event_type", String(255), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False),
)


def insert_or_ignore(session: AsyncSession, table: Table, *conflict_columns: str, **values):
    """``INSERT ... ON CONFLICT [(conflict_columns)] DO NOTHING`` in the session's dialect
    (SQLite, PostgreSQL): one statement instead of a look-up and an insert; the rowcount says
    whether a row went in. Without ``conflict_columns``, any unique key counts."""
    statement = _insert_or_ignore(session.bind.dialect.name == "postgresql", table,
                                  conflict_columns)
    return statement.values(**values) if values else statement


@functools.lru_cache(maxsize=256)
def _insert_or_ignore(postgres: bool, table: Table, conflict_columns: tuple[str, ...]):
    # One statement object per table: SQLAlchemy then finds its compiled form without building
    # and hashing a new statement for every row (statements are immutable; changes copy).
    insert = postgresql.insert if postgres else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=list(conflict_columns) or None)


def create_engine(url: str, *, pooled: bool = True, sqlite_driver: str = "inloop") -> AsyncEngine:
    """``pooled=False``: SQLite connections are opened for each transaction and closed after it,
    for a store several processes share in short transactions (nothing left open to dispose).
    ``sqlite_driver``: ``inloop`` runs SQLite's calls on the event loop's thread
    (``vod_shared.sqlite_driver``), ``aiosqlite`` in aiosqlite's worker thread, as before."""
    if url.startswith("sqlite"):
        options = {} if pooled else {"poolclass": NullPool}
        if sqlite_driver == "aiosqlite":
            engine = create_async_engine(url, connect_args={"timeout": 30}, **options)
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            engine = create_async_engine(
                url, async_creator=sqlite_driver_module.async_creator(url, timeout=30), **options)
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas_inloop)
        return engine
    return create_async_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _sqlite_pragmas(dbapi_connection, _record, busy_timeout_ms: int = 30000) -> None:
    # WAL lets the outbox relay read while a handler writes; busy_timeout waits for the lock.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    cursor.close()


def _sqlite_pragmas_inloop(dbapi_connection, record) -> None:
    # No busy_timeout: waiting inside sqlite3 would stop the loop; the driver waits by awaiting.
    _sqlite_pragmas(dbapi_connection, record, busy_timeout_ms=0)


# In a session's ``info``: the topics' prefix, for what writes to the outbox without a unit of
# work's ``emit`` (``vod_shared.audit_log.record_audit``)
TOPIC_PREFIX = "vod.topic_prefix"


def session_factory(engine: AsyncEngine, *, topic_prefix: str = "") -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False,
                              info={TOPIC_PREFIX: topic_prefix})


def as_utc(moment: datetime | None) -> datetime | None:
    """An instant read back from the store, in UTC: SQLite gives back naive UTC times."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else \
        moment.astimezone(timezone.utc)
