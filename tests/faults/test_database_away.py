"""Screening's PostgreSQL out of reach for 30 s mid-burst (every connection to it dropped, and
each new one, through a TCP proxy): screening's /healthz says the database is not reachable,
its consumer waits and tries again rather than parking anything; when the database is back,
every case is decided once, every message comes once and in order, and all are healthy."""
import asyncio
import time
import uuid

import httpx
import pytest

from vod_devtools.net import free_port

from .harness import PIPELINE, FaultRun, account
from .proxy import TcpProxy

pytestmark = [pytest.mark.integration, pytest.mark.faults]
REQUESTS = 45
AWAY_S = 30


async def test_screening_database_away_for_30_s(tmp_path, postgres_server):
    urls = {name: f"sqlite+aiosqlite:///{tmp_path / name}.db" for name in PIPELINE}
    direct = postgres_server.create_database(f"screening_{uuid.uuid4().hex[:8]}")
    proxy_port = free_port()
    urls["screening"] = direct.replace(f":{postgres_server.port}/", f":{proxy_port}/")
    with TcpProxy(proxy_port, postgres_server.port) as proxy:
        async with FaultRun(tmp_path, database_urls=urls) as run:
            await run.burst(REQUESTS // 3)
            proxy.drop(True)
            away = time.monotonic()
            await run.burst(REQUESTS // 3, start=REQUESTS // 3)
            health = httpx.get(f"{run.services['screening'].url}/healthz", timeout=10)
            await asyncio.sleep(max(0.0, AWAY_S - (time.monotonic() - away)))
            proxy.drop(False)
            back = time.monotonic()
            await run.burst(REQUESTS // 3, start=2 * REQUESTS // 3)
            recovered = await run.wait_settled(2 * REQUESTS, timeout=150)
            counts = await account(run, "screening's PostgreSQL away 30 s",
                                   recovered_at=recovered, fault_ended=back)
    counts.notes["connections_dropped"] = proxy.dropped
    print(counts.line())
    assert health.status_code == 503 and "database" in health.json()["detail"], health.text
