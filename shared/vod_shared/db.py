"""Database engines and the tables every service has: the outbox and the inbox."""
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
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    statement = insert(table).on_conflict_do_nothing(
        index_elements=list(conflict_columns) or None)
    return statement.values(**values) if values else statement


def create_engine(url: str, *, pooled: bool = True) -> AsyncEngine:
    """``pooled=False``: SQLite connections are opened for each transaction and closed after it,
    for a store several processes share in short transactions (nothing left open to dispose)."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30},
                                     **({} if pooled else {"poolclass": NullPool}))
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the outbox relay read while a handler writes; busy_timeout waits for the lock.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


def as_utc(moment: datetime | None) -> datetime | None:
    """An instant read back from the store, in UTC: SQLite gives back naive UTC times."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else \
        moment.astimezone(timezone.utc)
