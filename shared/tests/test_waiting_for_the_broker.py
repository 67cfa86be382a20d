"""While the broker is not up yet (the first seconds of `make run`), a service says so in its
own words, once per attempt, not with a Kafka client error on every try."""
import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time

import pytest
from structlog.testing import capture_logs

from vod_devtools.net import free_port
from vod_devtools.testing import wait_until
from vod_shared.sealing import KeyDirectory
from vod_shared.stopping import stop_requests
from vod_shared.runtime import ServiceRuntime
from vod_shared.settings import ServiceSettings
from vod_shared.unit_of_work import SqlUnitOfWork


class ProbeSettings(ServiceSettings):
    service_name = "probe"


async def test_a_broker_not_up_yet_is_a_warning_of_ours_not_a_client_error(tmp_path, caplog,
                                                                           monkeypatch):
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{free_port()}")
    monkeypatch.setenv("VOD_DATA_DIR", str(tmp_path))
    runtime = ServiceRuntime(ProbeSettings(), migrations_dir=tmp_path, uow_class=SqlUnitOfWork)
    caplog.set_level(logging.INFO, logger="aiokafka")
    with capture_logs() as ours:
        connecting = asyncio.create_task(runtime._connect_broker())
        # Until its first word on it (a fixed 2 s was too short on a loaded machine)
        said = await wait_until(
            lambda: any(e["event"] == "broker.unreachable" for e in ours), timeout=30)
        assert not connecting.done()  # still waiting for the broker
        connecting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await connecting
    assert said
    [first, *_] = [e for e in ours if e["event"] == "broker.unreachable"]
    port = first["bootstrap_servers"].rsplit(":", 1)[1]
    assert port in first["reason"]  # where it tried, for the operator to check
    assert not [r for r in caplog.records
                if r.name.startswith("aiokafka") and r.levelno >= logging.ERROR]
    assert logging.getLogger("aiokafka").level == logging.INFO  # quiet only while waiting


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_stop_while_waiting_for_the_broker_ends_the_service_at_once_and_cleanly(tmp_path, sig):
    """At 2 a.m., the broker down: ``systemctl stop`` (SIGTERM) or Ctrl-C must not hang."""
    KeyDirectory(tmp_path / "keys").init()
    env = {**os.environ, "VOD_ENV": "development", "VOD_DATA_DIR": str(tmp_path / "var"),
           "VOD_KEYS_DIR": str(tmp_path / "keys"), "LOG_FORMAT": "json",
           "VICTIM_LINK_SECRET": "a-test-secret",
           "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",  # nothing listens there
           "INTAKE_PORT": str(free_port()), "PYTHONPATH": os.pathsep.join(sys.path)}
    log_path = tmp_path / "intake.log"
    with open(log_path, "wb") as log:
        service = subprocess.Popen([sys.executable, "-m", "intake"], env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        _wait_for_line(log_path, '"broker.unreachable"', service, timeout=90.0)
        service.send_signal(sig)
        code = service.wait(timeout=10.0)
    finally:
        if service.poll() is None:
            service.kill()
            service.wait()
    lines = [json.loads(line) for line in log_path.read_text().splitlines()
             if line.startswith("{")]
    assert code == 0, log_path.read_text()[-3000:]
    [stopping] = [line for line in lines if line["event"] == "service.stopping_before_start"]
    assert stopping["level"] == "warning" and "stop requested" in stopping["reason"]
    assert lines[-1]["event"] != "broker.unreachable"  # it stopped waiting


def _wait_for_line(path, text: str, process: subprocess.Popen, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while text not in (path.read_text() if path.exists() else ""):
        assert process.poll() is None, path.read_text()[-3000:]
        assert time.monotonic() < deadline, f"no {text} in {timeout} s"
        time.sleep(0.2)


async def test_a_stop_request_reaches_the_start_and_whoever_handled_it_before():
    noted, stopped = [], asyncio.Event()
    previous = signal.signal(signal.SIGTERM, lambda sig, frame: noted.append(sig))
    ctrl_c = signal.getsignal(signal.SIGINT)
    try:
        with stop_requests(stopped.set):
            os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.wait_for(stopped.wait(), timeout=5.0)
        assert noted == [signal.SIGTERM]  # uvicorn, in a service, still notes it
        assert signal.getsignal(signal.SIGINT) is ctrl_c  # put back
        stopped.clear()
        os.kill(os.getpid(), signal.SIGTERM)  # after the block: only the handler before
        await asyncio.sleep(0.1)
        assert noted == [signal.SIGTERM] * 2 and not stopped.is_set()
    finally:
        signal.signal(signal.SIGTERM, previous)


async def test_a_handler_installed_outside_python_gives_way_to_the_default_afterwards(monkeypatch):
    """``signal.getsignal`` says None for a handler it did not install; ``signal.signal`` refuses
    None, so the default is put back instead."""
    previous = signal.getsignal(signal.SIGTERM)
    real = signal.getsignal
    monkeypatch.setattr(signal, "getsignal",
                        lambda sig: None if sig == signal.SIGTERM else real(sig))
    try:
        with stop_requests(lambda: None):
            pass
        assert real(signal.SIGTERM) == signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, previous)


EARLY_STOP = """
import asyncio, os, signal, sys
from types import SimpleNamespace
from vod_shared.stopping import serve, stop_requests

async def app(scope, receive, send):  # a service's lifespan; its broker never answers
    await receive()  # lifespan.startup
    # the stop lands after uvicorn took the signals, before the start looks for one
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.sleep(0.2)
    stop = asyncio.Event()
    with stop_requests(stop.set):
        try:
            await asyncio.wait_for(stop.wait(), timeout=8.0)
            print("stop noticed", flush=True)
        except TimeoutError:
            print("stop missed", flush=True)
    await send({"type": "lifespan.startup.complete"})
    await receive()  # lifespan.shutdown
    await send({"type": "lifespan.shutdown.complete"})

serve(app, SimpleNamespace(bind_host="127.0.0.1", effective_port=lambda: int(sys.argv[1])))
"""


def test_a_stop_caught_by_uvicorn_before_the_start_looked_for_one_is_not_lost():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(entry for entry in sys.path if entry)}
    done = subprocess.run([sys.executable, "-c", EARLY_STOP, str(free_port())], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "stop noticed", done.stderr[-3000:]
