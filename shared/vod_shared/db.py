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
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import make_url
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


def dialect_insert(dialect_name: str):
    """The ``insert`` with ``ON CONFLICT`` of this dialect (``sqlite`` or ``postgresql``)."""
    if dialect_name == "postgresql":
        # Imported here: on SQLite the PostgreSQL dialect (~2 MiB of RSS) is never loaded.
        from sqlalchemy.dialects.postgresql import insert
        return insert
    return sqlite.insert


@functools.lru_cache(maxsize=256)
def _insert_or_ignore(postgres: bool, table: Table, conflict_columns: tuple[str, ...]):
    # One statement object per table: SQLAlchemy then finds its compiled form without building
    # and hashing a new statement for every row (statements are immutable; changes copy).
    insert = dialect_insert("postgresql" if postgres else "sqlite")
    return insert(table).on_conflict_do_nothing(index_elements=list(conflict_columns) or None)


# SQLite's memory per connection, kept while the pool keeps the connection: its page cache
# fills up to ``cache_size`` (SQLite's default, 2 MB) and stays full between transactions. On
# SQLite one connection writes at a time, and in WAL mode a connection drops its whole cache as
# soon as another one has committed, so in a busy service a big cache is mostly stale pages:
# five pooled connections (SQLAlchemy's default) could hold 10 MB for little gain. Fewer kept, a
# smaller cache each; as many open at once as before (SQLAlchemy's 5 + 10), so no transaction
# waits for a connection that did not before: one beyond those kept is closed after its use.
# Each connection also keeps its last statements prepared (``sqlite3``'s statement cache, 128 by
# default): a read of ``IN (...)`` is a new statement for each number of ids, so a burst filled
# every connection's cache with them. Notifications after 2,000 requests and 5,000 texts, SQLite's
# own memory: 2.4 MiB with 128 statements and 512 KiB of pages, 0.8 with these (its RSS 3.2 MiB
# less); a statement prepared again costs microseconds.
SQLITE_POOL_SIZE = 2
SQLITE_MAX_CONNECTIONS = 15
SQLITE_CACHE_KIB = 256
SQLITE_CACHED_STATEMENTS = 32


def create_engine(url: str, *, pooled: bool = True, sqlite_driver: str = "inloop",
                  sqlite_pool_size: int = SQLITE_POOL_SIZE,
                  sqlite_cache_kib: int = SQLITE_CACHE_KIB) -> AsyncEngine:
    """``pooled=False``: SQLite connections are opened for each transaction and closed after it,
    for a store several processes share in short transactions (nothing left open to dispose).
    ``sqlite_driver``: ``inloop`` runs SQLite's calls on the event loop's thread
    (``vod_shared.sqlite_driver``), ``aiosqlite`` in aiosqlite's worker thread, as before.
    ``sqlite_pool_size`` connections are kept open between transactions, each with a page cache
    of at most ``sqlite_cache_kib``."""
    if url.startswith("sqlite"):
        options: dict = {}
        if not pooled:
            options = {"poolclass": NullPool}
        elif _file_store(url):  # in memory: SQLAlchemy's one shared connection, as ever
            options = {"pool_size": sqlite_pool_size,
                       "max_overflow": max(SQLITE_MAX_CONNECTIONS - sqlite_pool_size, 0)}
        pragmas = functools.partial(_sqlite_pragmas, cache_kib=sqlite_cache_kib)
        if sqlite_driver == "aiosqlite":
            engine = create_async_engine(
                url, connect_args={"timeout": 30, "cached_statements": SQLITE_CACHED_STATEMENTS},
                **options)
            event.listen(engine.sync_engine, "connect", pragmas)
        else:
            engine = create_async_engine(
                url, async_creator=sqlite_driver_module.async_creator(
                    url, timeout=30, cached_statements=SQLITE_CACHED_STATEMENTS), **options)
            # No busy_timeout: waiting inside sqlite3 would stop the loop; the driver waits by
            # awaiting.
            event.listen(engine.sync_engine, "connect",
                         functools.partial(pragmas, busy_timeout_ms=0))
        return engine
    return create_async_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _file_store(url: str) -> bool:
    database = make_url(url).database
    return database not in (None, "", ":memory:") and "mode=memory" not in url


def _sqlite_pragmas(dbapi_connection, _record, busy_timeout_ms: int = 30000,
                    cache_kib: int = SQLITE_CACHE_KIB) -> None:
    # WAL lets the outbox relay read while a handler writes; busy_timeout waits for the lock.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cursor.execute(f"PRAGMA cache_size=-{int(cache_kib)}")  # negative: KiB, not pages
    cursor.close()


# In a session's ``info``: the topics' prefix, for what writes to the outbox without a unit of
# work's ``emit`` (``vod_shared.audit_log.record_audit``)
TOPIC_PREFIX = "vod.topic_prefix"
PER_FACTORY = "vod.per_factory"
AUDIT_SIGNER = "vod.audit_signer"


def session_factory(engine: AsyncEngine, *, topic_prefix: str = "",
                    audit_signer=None) -> async_sessionmaker:
    # PER_FACTORY: one dict shared by every session of this factory (a service's runtime),
    # for what lives as long as it does (vod_shared.audit_log's count of nobody's refusals).
    # AUDIT_SIGNER: the service's Keyring, whose signing key signs its audit entries' events.
    return async_sessionmaker(engine, expire_on_commit=False,
                              info={TOPIC_PREFIX: topic_prefix, PER_FACTORY: {},
                                    AUDIT_SIGNER: audit_signer})


def as_utc(moment: datetime | None) -> datetime | None:
    """An instant read back from the store, in UTC: SQLite gives back naive UTC times."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else \
        moment.astimezone(timezone.utc)
