"""Test workers started together (a direct ``pytest -n``) do a machine's one-time set-up once:
the one who waited at the door finds it done, and nobody fails for having come second."""
import io
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from vod_devtools import _kafka_setup, browser, one_at_a_time, postgres


@pytest.fixture(autouse=True)
def own_locks(tmp_path, monkeypatch):
    """The tests' locks apart from a real set-up's running beside them."""
    monkeypatch.setattr(one_at_a_time, "lock_dir", lambda: tmp_path / "locks")


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


def test_a_lock_file_another_user_made_can_be_locked(tmp_path):
    """root made it (apt-get's lock, 0644): another user's run takes it all the same. Run as
    root here, the other user is ``nobody``, with the module copied where nobody can read it."""
    if os.geteuid() != 0:
        lock = tmp_path / "theirs.lock"
        lock.touch()
        lock.chmod(0o444)  # not writable by us, as another user's is
        with one_at_a_time.one_at_a_time(lock):
            return
    if not (shutil.which("runuser") and shutil.which("python3")):
        pytest.skip("needs runuser and a python3 on PATH")
    shared = Path(tempfile.mkdtemp(prefix="vod-lock-"))
    try:
        shared.chmod(0o755)
        shutil.copy(one_at_a_time.__file__, shared / "locking.py")
        lock = shared / "roots.lock"
        lock.touch()
        lock.chmod(0o644)
        taken = subprocess.run(
            ["runuser", "-u", "nobody", "--", "python3", "-c",
             "import sys; from pathlib import Path; import locking\n"
             "with locking.one_at_a_time(Path(sys.argv[1])): print('held')", str(lock)],
            cwd=shared, capture_output=True, text=True, timeout=30)
        assert (taken.returncode, taken.stdout.strip()) == (0, "held"), taken.stderr
    finally:
        shutil.rmtree(shared)
