"""``copy_migrated_postgres``: a new PostgreSQL store a service process will open is at head
before it starts (so it runs no migration child), and a store with tables is left alone."""
import uuid
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

import screening
from vod_devtools.migrated import copy_migrated_postgres
from vod_shared.migration_process import heads

pytestmark = pytest.mark.integration
MIGRATIONS = Path(screening.__file__).parent / "migrations"


async def _fetch(url: str, query: str) -> set:
    u = make_url(url)
    connection = await asyncpg.connect(host=u.host, port=u.port, user=u.username,
                                       database=u.database)
    try:
        return {r[0] for r in await connection.fetch(query)}
    finally:
        await connection.close()


async def _versions(url: str) -> set[str]:
    return await _fetch(url, "SELECT version_num FROM alembic_version")


async def test_a_new_database_is_a_copy_at_head_and_one_with_tables_is_left_alone(
        postgres_server):
    new = postgres_server.create_database(f"screening_{uuid.uuid4().hex[:8]}")
    assert copy_migrated_postgres(new, MIGRATIONS) is True
    assert await _versions(new) == heads(MIGRATIONS)

    assert copy_migrated_postgres(new, MIGRATIONS) is False  # has its tables: not made again
    assert await _versions(new) == heads(MIGRATIONS)

    kept = postgres_server.create_database(f"screening_{uuid.uuid4().hex[:8]}")
    await _fetch(kept, "CREATE TABLE mine AS SELECT 'hers' AS what")
    assert copy_migrated_postgres(kept, MIGRATIONS) is False
    assert await _fetch(kept, "SELECT what FROM mine") == {"hers"}
    assert await _fetch(kept, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'") == {
        "mine"}
    assert copy_migrated_postgres("sqlite+aiosqlite:///nowhere.db", MIGRATIONS) is False
