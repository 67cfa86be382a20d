"""The road between screening and the broker goes bad while requests come in: first every
chunk is held 200 ms, then every connection is dropped (and each new one) for 10 s, then the
road is clear. The other services keep the direct road. Nothing is lost or done twice, every
message comes once and in order, and every service is healthy again."""
import asyncio
import time

import pytest

from .harness import FaultRun, account
from .proxy import ProxiedKafka, TcpProxy

pytestmark = [pytest.mark.integration, pytest.mark.faults]
REQUESTS = 45


async def test_latency_then_dropped_connections_between_screening_and_the_broker(tmp_path):
    run = FaultRun(tmp_path, broker=ProxiedKafka)
    kafka = run.broker
    run.per_service["screening"] = {"KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{kafka.proxy_port}"}
    with TcpProxy(kafka.proxy_port, kafka.proxied_port) as proxy:
        async with run:
            await run.burst(REQUESTS // 3)
            proxy.latency_s = 0.2
            await run.burst(REQUESTS // 3, start=REQUESTS // 3)
            await asyncio.sleep(10)
            proxy.latency_s = 0.0
            proxy.drop(True)
            await run.burst(REQUESTS // 3, start=2 * REQUESTS // 3)
            await asyncio.sleep(10)
            proxy.drop(False)
            clear = time.monotonic()
            recovered = await run.wait_settled(2 * REQUESTS, timeout=150)
            counts = await account(run, "screening<->broker: 200 ms, then dropped 10 s",
                                   recovered_at=recovered, fault_ended=clear)
    counts.notes["connections_dropped"] = proxy.dropped
    print(counts.line())
    assert proxy.dropped > 0
