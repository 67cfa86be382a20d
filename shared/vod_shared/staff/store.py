"""The staff sign-in state, in one store every service reads and writes: sessions, failed
sign-ins, the one-time codes already used, and what a request needs to know of an account
(``staff_accounts``: display name, roles, enabled, credential stamp; never a password hash or a
second-factor secret), so a service without the staff file authorizes from the store alone.

``STAFF_DATABASE_URL`` (PostgreSQL in a deployment), else a SQLite file beside the staff file
(``$VOD_DATA_DIR/staff.db`` by default: the same file for the four services of ``make run``).
Every transaction is short; on SQLite each opens its own connection (WAL, a busy timeout), so
four processes share the file without holding it. The tables are made by this package's own
migrations (``vod_shared/staff/migrations``), with a version table of their own, at service
start (``ServiceRuntime.lifespan``), or on first use by an app built without that lifespan.
"""
import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import (BigInteger, Boolean, Column, DateTime, Index, Integer, MetaData, String,
                        Table)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from vod_shared.db import create_engine, session_factory
from vod_shared.migrations import upgrade_to_head

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "staff_alembic_version"

staff_metadata = MetaData()

staff_sessions = Table(
    "staff_sessions",
    staff_metadata,
    # SHA-256 of the random id in the cookie: a copy of the table lets no one in.
    Column("session_hash", String(64), primary_key=True),
    Column("username", String(64), nullable=False, index=True),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False, index=True),
    Column("credential_stamp", String(64), nullable=False),
    Column("ended_at", DateTime(timezone=True), nullable=True),
)

sign_in_failures = Table(
    "staff_sign_in_failures",
    staff_metadata,
    Column("failure_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("username", String(64), nullable=False),
    Column("address", String(64), nullable=False),
    Column("failed_at", DateTime(timezone=True), nullable=False, index=True),
    Index("ix_staff_sign_in_failures_username_failed_at", "username", "failed_at"),
)

used_codes = Table(
    "staff_used_codes",
    staff_metadata,
    Column("username", String(64), primary_key=True),
    Column("step", BigInteger, primary_key=True),  # the TOTP time step (30-s since the epoch)
    Column("used_at", DateTime(timezone=True), nullable=False),
)


# The accounts as the staff file says, mirrored for the services that do not hold it: written at
# each sign-in, by the service holding the file whenever the file changes, and by the staff
# command. Nothing in it signs anyone in.
staff_accounts = Table(
    "staff_accounts",
    staff_metadata,
    Column("username", String(64), primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("roles", String(200), nullable=False),  # comma-separated Role values
    Column("disabled", Boolean, nullable=False),
    Column("credential_stamp", String(64), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


def utc(moment: datetime) -> datetime:
    """An instant to store: in UTC (SQLite keeps the wall time and drops the zone)."""
    return moment.astimezone(timezone.utc)


class StaffStore:
    """The engine of the staff store, made on first use; migrated once per process."""

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite") and _sqlite_path(url) is None:
            raise ValueError("the staff store must be a file or a server every service can "
                             "reach, not an in-memory SQLite database")
        self.url = url
        self._engine: AsyncEngine | None = None
        self._sessions = None
        self._ready = False
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings) -> "StaffStore":
        """``settings``: a StaffSettings (or a service's settings, which inherit it)."""
        return cls(settings.effective_staff_database_url())

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            self._engine = create_engine(self.url, pooled=False)
            self._sessions = session_factory(self._engine)
        return self._engine

    async def start(self, *, upgrade=upgrade_to_head) -> None:
        """Creates or upgrades the tables; does nothing once done in this process.
        ``upgrade``: how (a service's runtime does it in a child process)."""
        if self._ready:
            return
        async with self._lock:
            if self._ready:
                return
            engine = self.engine
            path = _sqlite_path(self.url)
            if path is None:
                # PostgreSQL: upgrade_to_head holds an advisory lock while it migrates.
                await upgrade(engine, MIGRATIONS)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                # Four services starting at once: one migrates, the others wait, then find it done.
                async with _file_lock(path.with_name(f"{path.name}.migrating")):
                    await upgrade(engine, MIGRATIONS)
            self._ready = True

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
        self._engine, self._sessions, self._ready = None, None, False

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One short transaction (committed on leaving, rolled back on an error)."""
        await self.start()
        async with self._sessions.begin() as session:
            yield session


def _sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite"):
        return None
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(database)


@asynccontextmanager
async def _file_lock(path: Path) -> AsyncIterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # and with it the lock
