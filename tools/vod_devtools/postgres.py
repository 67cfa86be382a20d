"""A throwaway PostgreSQL cluster for tests: initdb into a temporary directory, run it on a free
port on 127.0.0.1 with durability switched off, drop it afterwards. Never uses the system service.

    python -m vod_devtools.postgres ensure    # install Debian's postgresql if missing
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from vod_devtools.net import free_port
from vod_devtools.one_at_a_time import one_at_a_time
from vod_devtools.parent_death import signal_on_parent_death

PG_USER = "vod"  # the superuser initdb creates; services connect as this role


def find_pg_bin() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl (Debian's layout)."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
    )
    for bin_dir in reversed(candidates):
        if all((Path(bin_dir) / tool).exists() for tool in ("initdb", "pg_ctl")):
            return Path(bin_dir)
    return None


def ensure_installed() -> Path:
    """Return the bin dir, installing Debian's `postgresql` package first when it is missing."""
    bin_dir = find_pg_bin()
    if bin_dir:
        return bin_dir
    if os.geteuid() != 0:
        raise SystemExit(
            "PostgreSQL is not installed and we are not root; run: "
            "sudo apt-get install -y postgresql"
        )
    # We only need the binaries; the service the package may start is never used (nor stopped:
    # it is not ours to manage). One apt-get at a time: test workers start together.
    with one_at_a_time(name="apt-get"):
        if find_pg_bin() is None:
            subprocess.run(
                "apt-get update -qq && "
                "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql",
                shell=True,
                check=True,
            )
    bin_dir = find_pg_bin()
    if bin_dir is None:
        raise SystemExit("installed postgresql but found no initdb under /usr/lib/postgresql/*/bin")
    return bin_dir


def _port_taken(failure: str) -> bool:
    return "could not bind" in failure or "Address already in use" in failure


class TempPostgres:
    """`start()`, `create_database(name)` -> async SQLAlchemy URL, `stop()`."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = Path(base_dir).resolve()
        self.data_dir = self.base_dir / "data"
        self.socket_dir = self.base_dir / "socket"
        self.port: int | None = None
        self.bin_dir: Path | None = None
        self._watcher: subprocess.Popen | None = None

    def _run(self, tool: str, *args: str) -> subprocess.CompletedProcess:
        result = subprocess.run(_as_server_user(self.bin_dir, tool, *args), capture_output=True,
                                text=True, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            raise RuntimeError(
                f"{tool} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
                f"{self._log_tail()}"
            )
        return result

    def _log_tail(self) -> str:
        log = self.base_dir / "postgres.log"
        if not log.exists():
            return ""
        return "\n--- postgres.log ---\n" + "\n".join(
            log.read_text(errors="replace").splitlines()[-20:]
        )

    def _prepare_dirs(self) -> None:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            # `postgres` must traverse every parent (pytest's tmp dirs are 0o700) and own what it
            # writes to. Only the search bit is added: nothing becomes listable or readable.
            for parent in self.base_dir.parents:
                mode = parent.stat().st_mode
                if not mode & 0o001:
                    parent.chmod(mode | 0o001)
            for path in (self.base_dir, self.socket_dir):
                shutil.chown(path, "postgres", "postgres")

    def start(self, timeout: float = 30.0) -> None:
        self.bin_dir = ensure_installed()
        self._prepare_dirs()
        if not (self.data_dir / "PG_VERSION").exists():
            self._run(
                "initdb",
                "-D",
                str(self.data_dir),
                "--auth=trust",
                f"--username={PG_USER}",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            )  # --no-sync: a test db, speed wins
        # The port is free when chosen, but another process on the machine (a parallel test,
        # a service starting) may take it before the server binds it: then choose again.
        for attempt in range(3):
            self.port = free_port()
            options = " ".join(
                [
                    "-c listen_addresses=127.0.0.1",
                    f"-c port={self.port}",
                    f"-c unix_socket_directories={self.socket_dir}",
                    # Durability is pointless for a cluster deleted after the test run.
                    "-c fsync=off",
                    "-c full_page_writes=off",
                    "-c synchronous_commit=off",
                ]
            )
            try:
                self._run(
                    "pg_ctl",
                    "start",
                    "-D",
                    str(self.data_dir),
                    "-w",
                    "-t",
                    str(int(timeout)),
                    "-l",
                    str(self.base_dir / "postgres.log"),
                    "-o",
                    options,
                )
                break
            except RuntimeError as exc:
                if attempt == 2 or not _port_taken(str(exc)):
                    self.port = None
                    raise
        self._watch()
        self._wait_ready(time.monotonic() + timeout)

    def _watch(self) -> None:
        """pg_ctl leaves the server running on its own: a child of ours stops it if we die
        first (a test run killed, a second Ctrl-C), as the broker dies with its parent."""
        self._watcher = subprocess.Popen(
            [sys.executable, "-m", "vod_devtools.postgres", "watch", str(os.getpid()),
             str(self.bin_dir), str(self.data_dir)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C reaches us, who stop the server in order
            preexec_fn=_told_when_parent_dies)

    def _wait_ready(self, deadline: float) -> None:
        # pg_ctl -w already waits; pg_isready makes sure TCP (what the app uses) answers too.
        while True:
            probe = subprocess.run(
                [
                    str(self.bin_dir / "pg_isready"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-U",
                    PG_USER,
                ],
                capture_output=True,
            )
            if probe.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"postgres not accepting connections on {self.port}{self._log_tail()}"
                )
            time.sleep(0.2)

    def url(self, name: str) -> str:
        return f"postgresql+asyncpg://{PG_USER}@127.0.0.1:{self.port}/{name}"

    def create_database(self, name: str) -> str:
        """Create database `name` (owned by `vod`) and return its async SQLAlchemy URL."""
        result = subprocess.run(
            [
                str(self.bin_dir / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                PG_USER,
                name,
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"createdb {name} failed: {result.stderr.strip()}")
        return self.url(name)

    def stop(self) -> None:
        """Fast shutdown (rolls back open transactions); safe to call twice."""
        if self.port is None:
            return
        self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w")
        self.port = None
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.kill()
            watcher.wait()

    def __enter__(self) -> TempPostgres:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _as_server_user(bin_dir: Path, tool: str, *args: str) -> list[str]:
    # initdb refuses to run as root: as root, run the server tools as the `postgres` user.
    cmd = [str(bin_dir / tool), *args]
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _told_when_parent_dies() -> None:
    # In the watcher before exec: Linux sends it SIGTERM when its parent dies, held pending
    # (blocked, the mask survives exec) until it waits for it: a parent killed while the watcher
    # still starts up must not kill the watcher instead. A no-op where prctl is unavailable.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    signal_on_parent_death(signal.SIGTERM)


def _watch_until_parent_dies(parent: int, bin_dir: Path, data_dir: Path) -> None:
    """The watcher: waits for the SIGTERM its parent's death brings (or finds it gone already),
    then stops the server at once and removes its data."""
    while os.getppid() == parent:  # a SIGTERM from a thread of the parent's ending is not it
        signal.sigtimedwait({signal.SIGTERM}, 5.0)
    subprocess.run(_as_server_user(bin_dir, "pg_ctl", "stop", "-D", str(data_dir), "-m",
                                   "immediate", "-w"), capture_output=True)
    shutil.rmtree(data_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 4 and argv[0] == "watch":
        _watch_until_parent_dies(int(argv[1]), Path(argv[2]), Path(argv[3]))
        return 0
    if argv != ["ensure"]:
        print("usage: python -m vod_devtools.postgres ensure", file=sys.stderr)
        return 2
    print(ensure_installed())
    return 0


if __name__ == "__main__":
    sys.exit(main())
