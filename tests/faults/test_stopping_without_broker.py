"""A stop asked for while the broker is away (the broker host down, then `systemctl stop` or a
container stop at 2 a.m.): each service still stops, in its own short grace, saying so.
A supervisor kills a service that overstays (docker after 10 s, systemd after 90 s): one
killed mid-send leaves texts in doubt that a clean stop would have settled."""
import asyncio
import json
import signal
import time

import pytest

from .harness import FaultRun

pytestmark = [pytest.mark.integration, pytest.mark.faults, pytest.mark.faults_ci]
STOPS_WITHIN_S = 30.0  # measured: 5-10 s (the broker pinged 2 s, then 5 s for its client)


@pytest.mark.parametrize("services", [("intake", "screening", "scheduling", "notifications")])
async def test_every_service_stops_while_the_broker_is_away(tmp_path, services):
    async with FaultRun(tmp_path, services=services) as run:
        await run.burst(6)  # offsets to commit, texts planned, outbox rows to publish
        run.kill_broker()
        await asyncio.sleep(2)
        began = time.monotonic()
        for process in run.services.values():
            process.proc.send_signal(signal.SIGTERM)
        took = {}
        for name, process in run.services.items():
            left = STOPS_WITHIN_S - (time.monotonic() - began)
            try:
                await asyncio.to_thread(process.proc.wait, max(left, 0.1))
                took[name] = round(time.monotonic() - began, 1)
            except Exception:
                took[name] = None
        print(f"stopped after (s): {took}")
        hung = [name for name, seconds in took.items() if seconds is None]
        assert not hung, {name: run.services[name].log()[-2500:] for name in hung}
        for name, process in run.services.items():
            said = [json.loads(line).get("event") for line in process.log().splitlines()
                    if line.startswith("{")]
            assert "service.stopped" in said, name
