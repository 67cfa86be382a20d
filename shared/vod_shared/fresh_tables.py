"""Fresh, empty copies of a service's read-model tables beside the live ones, and the swap
(``vod_shared.rebuild``): a schema of their own on PostgreSQL, an attached file on SQLite. The
swap fills the live tables from the copies in one transaction, so the live tables keep their
names, indexes and sequences (what the migrations made); the copies are dropped afterwards."""
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import MetaData, Table, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from vod_shared.db import create_engine

if TYPE_CHECKING:
    from vod_shared.rebuild import Projection

SQLITE_FRESH = "rebuild"  # the attached file's name in SQL


@dataclass
class Live:
    """The live tables, named by schema, for the reads a projection needs in the same session
    (its writes go to the fresh tables: the session maps unnamed schemas there)."""

    schema: str
    _copies: dict = field(default_factory=dict)

    def __call__(self, table: Table) -> Table:
        if table.name not in self._copies:
            self._copies[table.name] = table.to_metadata(MetaData(), schema=self.schema)
        return self._copies[table.name]


class FreshTables:
    """Empty copies of the projection's tables beside the live ones, and the swap."""

    def __init__(self, url: str, projection: "Projection", stamp: str) -> None:
        self._url, self._projection = url, projection
        self.engine: AsyncEngine = create_engine(url, pooled=False)
        self.sqlite = self.engine.dialect.name == "sqlite"
        if self.sqlite:
            database = make_url(url).database
            self._file = Path(f"{database}.rebuild-{stamp}")
            event.listen(self.engine.sync_engine, "connect", self._attach)
            self.schema = SQLITE_FRESH
        else:
            self.schema = f"rebuild_{stamp}"

    def _attach(self, dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"ATTACH DATABASE '{self._file}' AS {SQLITE_FRESH}")
        cursor.close()

    def session(self) -> AsyncSession:
        return AsyncSession(self.engine.execution_options(
            schema_translate_map={None: self.schema}), expire_on_commit=False)

    async def live(self, session: AsyncSession) -> Live:
        if self.sqlite:
            return Live("main")
        return Live(await session.scalar(text("SELECT current_schema()")))

    async def create(self) -> None:
        tables = [*self._projection.tables, *self._projection.scratch]
        async with self.engine.connect() as conn:
            if not self.sqlite:
                await conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            conn = await conn.execution_options(schema_translate_map={None: self.schema})
            await conn.run_sync(lambda sync: tables[0].metadata.create_all(sync, tables=tables))
            await conn.commit()

    async def hold(self, session: AsyncSession, live: Live) -> None:
        """Keeps the live service from writing the live tables until this transaction ends."""
        for table in self._projection.tables:
            target = self._name(live.schema, table.name)
            if not self.sqlite:  # on SQLite, the first write takes the store's one write lock
                await session.execute(text(f"LOCK TABLE {target} IN EXCLUSIVE MODE"))
            await session.execute(text(f"DELETE FROM {target}"))

    async def swap(self, session: AsyncSession, live: Live) -> dict[str, int]:
        """Fills each live table (emptied by ``hold``) from its fresh copy (the live table keeps its
        name, indexes and sequence: what the migrations made)."""
        rows = {}
        for table in self._projection.tables:
            serial = [c.name for c in table.primary_key.columns if c.autoincrement is True]
            columns = ", ".join(f'"{c.name}"' for c in table.columns if c.name not in serial)
            order = f" ORDER BY {', '.join(serial)}" if serial else ""
            target, fresh = self._name(live.schema, table.name), self._name(self.schema, table.name)
            await session.execute(text(f"INSERT INTO {target} ({columns}) "
                                       f"SELECT {columns} FROM {fresh}{order}"))
            rows[table.name] = await session.scalar(text(f"SELECT count(*) FROM {target}"))
        return rows

    async def drop(self) -> None:
        await self.engine.dispose()
        if self.sqlite:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self._file}{suffix}").unlink(missing_ok=True)
            return
        plain = create_engine(self._url)
        async with plain.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
        await plain.dispose()

    @staticmethod
    def _name(schema: str, table: str) -> str:
        return f'"{schema}"."{table}"'
