"""A throwaway PostgreSQL cluster: start, create a database, query it, stop."""

import asyncpg
import pytest

from vod_devtools.postgres import TempPostgres, find_pg_bin

pytestmark = pytest.mark.integration


@pytest.mark.skipif(find_pg_bin() is None, reason="run `python -m vod_devtools.postgres ensure`")
async def test_temp_postgres(tmp_path):
    pg = TempPostgres(tmp_path / "pg")
    pg.start()
    try:
        url = pg.create_database("vod_test")
        assert url == f"postgresql+asyncpg://vod@127.0.0.1:{pg.port}/vod_test"
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
        try:
            assert await conn.fetchval("SELECT 1") == 1
        finally:
            await conn.close()
    finally:
        pg.stop()
    assert pg.port is None
