"""The services as real processes, as ``make run`` starts them."""
import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from sqlalchemy.engine import make_url

from vod_devtools.migrated import copy_migrated, copy_migrated_postgres, new_sqlite_file
from vod_devtools.net import free_port

SERVICES = ("intake", "screening", "scheduling", "notifications")


class ServiceProcess:
    def __init__(self, name: str, env: dict[str, str], log_dir: Path, *,
                 migrate_itself: bool = False) -> None:
        self.name = name
        self.migrate_itself = migrate_itself
        # A port chosen beforehand (so each service can link to the others'), else a free one.
        self.port = int(env.get(f"{name.upper()}_PORT") or 0) or free_port()
        self.env = {**os.environ, **env, f"{name.upper()}_PORT": str(self.port), "LOG_FORMAT": "json"}
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> "ServiceProcess":
        self.launch()
        self.wait_healthy(timeout)
        return self

    def launch(self) -> "ServiceProcess":
        """Starts the process without waiting for it to be healthy (so several start at once)."""
        self.copy_new_stores()
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", self.name], env=self.env,
                                         stdout=log, stderr=subprocess.STDOUT)
        return self

    def copy_new_stores(self) -> list[Path]:
        """Its store and the staff store, where each is a SQLite file not made yet or a
        PostgreSQL database with no table yet: a copy of one migrated once per test session,
        so the process starts no migration child (two per start otherwise). Any other store (a
        file or database already there, a restored one) is migrated by the service itself,
        as in production."""
        copied = []
        if self.migrate_itself:
            return copied
        for url, migrations in ((self.database_url(), _service_migrations(self.name)),
                                (self.staff_database_url(), _staff_migrations())):
            path = new_sqlite_file(url)
            if path is not None and copy_migrated(path, migrations):
                copied.append(path)
            elif path is None and copy_migrated_postgres(url, migrations):
                copied.append(Path(make_url(url).database))
        return copied

    def database_url(self) -> str:
        """As the service's settings choose it (``effective_database_url``)."""
        return self.env.get(f"{self.name.upper()}_DATABASE_URL") or (
            f"sqlite+aiosqlite:///{(self._data_dir() / f'{self.name}.db').resolve()}")

    def staff_database_url(self) -> str:
        """As ``StaffSettings.effective_staff_database_url`` chooses it."""
        if self.env.get("STAFF_DATABASE_URL"):
            return self.env["STAFF_DATABASE_URL"]
        staff_file = Path(self.env.get("VOD_STAFF_FILE") or self._data_dir() / "staff.toml")
        staff_file = staff_file.resolve()
        path = (staff_file.with_suffix(".db") if staff_file.suffix != ".db"
                else staff_file.with_name(f"{staff_file.name}.state.db"))
        return f"sqlite+aiosqlite:///{path}"

    def _data_dir(self) -> Path:
        return Path(self.env.get("VOD_DATA_DIR", "var"))

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited {self.proc.returncode}:\n{self.log()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"{self.name} not healthy in {timeout}s:\n{self.log()[-3000:]}")

    def wait_exit(self, timeout: float = 60.0) -> int:
        return self.proc.wait(timeout)

    def stop(self) -> None:
        stop_all([self])


    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def stop_all(processes: list[ServiceProcess], timeout: float = 30.0) -> None:
    """SIGTERM to every one still running, then waits for each (killed after ``timeout`` s).
    Together, as a supervisor stops them: each takes about a second to end, one after another
    that was four seconds of every test with the four services."""
    running = [p.proc for p in processes if p.proc and p.proc.poll() is None]
    for proc in running:
        proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for proc in running:
        try:
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _service_migrations(name: str) -> Path:
    return Path(importlib.util.find_spec(name).origin).parent / "migrations"


def _staff_migrations() -> Path:
    from vod_shared.staff.store import MIGRATIONS
    return MIGRATIONS
