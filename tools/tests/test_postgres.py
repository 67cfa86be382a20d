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


@pytest.mark.skipif(find_pg_bin() is None, reason="run `python -m vod_devtools.postgres ensure`")
async def test_a_port_taken_before_the_server_binds_it_is_chosen_again(tmp_path, monkeypatch):
    """Between choosing a free port and the server binding it, another process on the machine
    may take it (under a loaded CI run, once): the cluster then starts on another port."""
    import socket

    from vod_devtools import postgres
    from vod_devtools.net import free_port

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    ports = iter([taken.getsockname()[1]])
    monkeypatch.setattr(postgres, "free_port", lambda: next(ports, None) or free_port())
    pg = TempPostgres(tmp_path / "pg")
    try:
        pg.start()
        assert pg.port != taken.getsockname()[1]
        conn = await asyncpg.connect(pg.create_database("vod_test").replace(
            "postgresql+asyncpg", "postgresql"))
        try:
            assert await conn.fetchval("SELECT 1") == 1
        finally:
            await conn.close()
    finally:
        pg.stop()
        taken.close()


@pytest.mark.skipif(find_pg_bin() is None, reason="run `python -m vod_devtools.postgres ensure`")
def test_a_test_run_killed_takes_its_postgres_with_it(tmp_path):
    """pg_ctl leaves the server on its own; a run killed with SIGKILL (no clean-up runs) must
    not leave it holding a port and its data."""
    import signal
    import subprocess
    import sys
    import time

    run = subprocess.Popen(
        [sys.executable, "-c", (
            "import sys, time\n"
            "from pathlib import Path\n"
            "from vod_devtools.postgres import TempPostgres\n"
            f"pg = TempPostgres(Path({str(tmp_path / 'pg')!r}))\n"
            "pg.start()\n"
            "print(pg.port, flush=True)\n"
            "time.sleep(600)\n")],
        stdout=subprocess.PIPE, text=True)
    try:
        port = int(run.stdout.readline())
        data = tmp_path / "pg" / "data"
        assert _answers(port) and (data / "postmaster.pid").exists()
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()
    deadline = time.monotonic() + 30
    while (_answers(port) or data.exists()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _answers(port), "the server outlived the run that started it"
    assert not data.exists()


def _answers(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
