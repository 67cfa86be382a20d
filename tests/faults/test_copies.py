"""A second copy of screening joins and leaves twice on PostgreSQL while requests come in (the
first time it leaves by SIGTERM, the second by SIGKILL): the consumer group rebalances four
times, the relays share the store's outbox. Every case is decided once, every message comes
once and in order, and every service is healthy again."""
import asyncio
import signal
import time
import uuid

import pytest

from .harness import PIPELINE, FaultRun, account

pytestmark = [pytest.mark.integration, pytest.mark.faults]
REQUESTS = 60


async def test_a_screening_copy_joining_and_leaving_twice_on_postgresql(tmp_path,
                                                                       postgres_server):
    urls = {name: f"sqlite+aiosqlite:///{tmp_path / name}.db" for name in PIPELINE}
    urls["screening"] = postgres_server.create_database(f"screening_{uuid.uuid4().hex[:8]}")
    async with FaultRun(tmp_path, database_urls=urls) as run:
        burst = asyncio.create_task(run.burst(REQUESTS, every_s=0.15))
        left = time.monotonic()
        for turn, sig in enumerate((signal.SIGTERM, signal.SIGKILL)):
            while len(run.cases) < (2 * turn + 1) * REQUESTS // 5:
                await asyncio.sleep(0.05)
            copy = run.process("screening").launch()
            await asyncio.to_thread(copy.wait_healthy, 120.0)
            while len(run.cases) < (2 * turn + 2) * REQUESTS // 5:
                await asyncio.sleep(0.05)
            copy.proc.send_signal(sig)
            await asyncio.to_thread(copy.proc.wait, 60)
            left = time.monotonic()
        await burst
        recovered = await run.wait_settled(2 * REQUESTS, timeout=150)
        await account(run, "screening copy joins/leaves x2 (PostgreSQL)",
                      recovered_at=recovered, fault_ended=left)
