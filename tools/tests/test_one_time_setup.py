"""Test workers started together (a direct ``pytest -n``) do a machine's one-time set-up once:
the one who waited at the door finds it done, and nobody fails for having come second."""
import io
import subprocess
import threading
import time
from pathlib import Path

from vod_devtools import _kafka_setup, browser, postgres


def test_workers_resolving_the_kafka_jars_together_run_maven_once(tmp_path, monkeypatch):
    jar = tmp_path / "kafka.jar"
    jar.write_text("")
    monkeypatch.setenv("VOD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_kafka_setup, "require_tool", lambda tool: tool)
    runs = []

    def maven(command, **_):
        runs.append(command)
        time.sleep(0.3)  # the other worker arrives meanwhile
        out = next(arg for arg in command if arg.startswith("-Dmdep.outputFile="))
        Path(out.split("=", 1)[1]).write_text(str(jar))
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(_kafka_setup.subprocess, "run", maven)
    found, failed = [], []

    def worker():
        try:
            found.append(_kafka_setup.fetch_classpath())
        except Exception as exc:  # the second Maven's rename found its file gone
            failed.append(exc)

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for each in workers:
        each.start()
    for each in workers:
        each.join(10)
    assert failed == []
    assert found == [str(jar), str(jar)]
    assert len(runs) == 1


def test_a_worker_that_waited_for_apt_get_installs_nothing_again(monkeypatch):
    """PostgreSQL: the first worker installs it; the one that waited finds it there."""
    installed, runs = [], []
    monkeypatch.setattr(postgres, "find_pg_bin", lambda: Path("/pg/bin") if installed else None)
    monkeypatch.setattr(postgres.os, "geteuid", lambda: 0)

    def apt_get(command, **_):
        runs.append(command)
        time.sleep(0.3)
        installed.append(True)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(postgres.subprocess, "run", apt_get)
    found = []
    workers = [threading.Thread(target=lambda: found.append(postgres.ensure_installed()))
               for _ in range(2)]
    for each in workers:
        each.start()
    for each in workers:
        each.join(10)
    assert found == [Path("/pg/bin"), Path("/pg/bin")]
    assert len(runs) == 1


def test_chromium_is_installed_once_by_workers_arriving_together(monkeypatch):
    installed, runs = [], []
    monkeypatch.setattr(browser, "missing", lambda: [] if installed else ["Chromium is not here"])
    monkeypatch.setattr(browser, "can_install", lambda: True)

    def install():
        runs.append(1)
        time.sleep(0.3)
        installed.append(True)

    monkeypatch.setattr(browser, "install_chromium", install)
    gaps, said = [], io.StringIO()
    workers = [threading.Thread(target=lambda: gaps.append(browser.ensure(out=said)))
               for _ in range(2)]
    for each in workers:
        each.start()
    for each in workers:
        each.join(10)
    assert gaps == [[], []]
    assert len(runs) == 1
    assert said.getvalue().count("Installing") == 1
