"""Ctrl-C on `make run`: honcho stops every process at once, so the broker waits for the
services to leave before it stops; their consumers leave their groups cleanly (no red
LeaveGroup errors), and the broker still stops on its own when nobody is connected."""
import asyncio
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid

import pytest
from aiokafka import AIOKafkaConsumer

from vod_devtools._kafka_cli import wait_for_clients_to_leave
from vod_devtools.net import connections_to, free_port, port_in_use


async def test_the_wait_ends_when_the_clients_are_gone_or_the_time_is_up():
    left = iter([2, 1, 0])
    assert await wait_for_clients_to_leave(1, within=5, connections=lambda port: next(left),
                                           poll=0)
    assert not await wait_for_clients_to_leave(1, within=0.05, connections=lambda port: 1,
                                               poll=0.01)


@pytest.mark.integration
@pytest.mark.skipif(not (shutil.which("java") and shutil.which("mvn")), reason="needs java+mvn")
async def test_the_broker_outlives_a_consumer_stopping_at_the_same_time(tmp_path, caplog):
    port = free_port()
    broker = subprocess.Popen(
        [sys.executable, "-m", "vod_devtools.kafka", "run", "--data-dir", str(tmp_path / "k"),
         "--port", str(port), "--controller-port", str(free_port()), "--topic-prefix", ""],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        ready = await asyncio.wait_for(asyncio.to_thread(_line_with, broker, "kafka ready"), 150)
        assert ready
        consumer = AIOKafkaConsumer("vod.intake", bootstrap_servers=f"127.0.0.1:{port}",
                                    group_id=f"g-{uuid.uuid4()}", auto_offset_reset="earliest")
        await consumer.start()
        for _ in range(60):  # until it has joined its group and has its partitions
            await consumer.getmany(timeout_ms=500)
            if consumer.assignment():
                break
        assert consumer.assignment() and connections_to(port) >= 1
        caplog.clear()  # what a running system said before Ctrl-C is not the point

        broker.send_signal(signal.SIGTERM)  # what honcho sends every process on Ctrl-C
        await asyncio.sleep(1.0)
        assert broker.poll() is None and port_in_use(port), "the broker stopped under a client"
        started = time.monotonic()
        await consumer.stop()  # leaves its group: the broker must still be there to hear it
        assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
        assert await asyncio.to_thread(broker.wait, 60) == 0
        assert time.monotonic() - started < 30
    finally:
        if broker.poll() is None:
            broker.kill()
            broker.wait()


def _line_with(process: subprocess.Popen, words: str) -> bool:
    for line in process.stdout:
        if words in line:
            return True
    return False
