"""A stop asked for while a service still waits for the broker (systemctl stop, Ctrl-C, the
broker down): the service's own background work never begins. Intake's due work would erase
and expire in uvicorn's short shut-down window and be cut off part-way; the sender could send
a text after the operator asked to stop."""
import asyncio
import importlib
import os
import signal

import pytest

from vod_devtools.net import free_port
from vod_shared.sealing import KeyDirectory


@pytest.mark.parametrize("service", ["intake", "scheduling", "notifications"])
async def test_a_stop_before_the_broker_answered_starts_none_of_the_services_work(
        service, tmp_path, monkeypatch):
    KeyDirectory(tmp_path / "keys").init()
    for name, value in {"VOD_ENV": "development", "VOD_DATA_DIR": str(tmp_path / "var"),
                        "VOD_KEYS_DIR": str(tmp_path / "keys"),
                        "VICTIM_LINK_SECRET": "a-test-secret",
                        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}"}.items():
        monkeypatch.setenv(name, value)  # nothing listens on that port
    bootstrap = importlib.import_module(f"{service}.bootstrap")
    settings = importlib.import_module(f"{service}.config").Settings()
    app = bootstrap.create_app(settings)
    noted = []  # stands in for uvicorn's handler, which acts once the lifespan has yielded
    previous = signal.signal(signal.SIGTERM, lambda sig, frame: noted.append(sig))
    try:
        before = set(asyncio.all_tasks())
        asyncio.get_running_loop().call_later(0.5, os.kill, os.getpid(), signal.SIGTERM)
        async with app.router.lifespan_context(app):
            assert noted == [signal.SIGTERM]
            assert not app.state.runtime.started
            started = {task.get_name() for task in asyncio.all_tasks() - before
                       if task is not asyncio.current_task()}
            assert started == set()
    finally:
        signal.signal(signal.SIGTERM, previous)
