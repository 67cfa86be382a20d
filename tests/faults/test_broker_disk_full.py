"""The broker's disk full: its log directory is a small filesystem of its own (a tmpfs mounted
for the test; this needs the right to mount, else the test is skipped and says why), filled to
the last byte mid-burst. The broker cannot write: Kafka takes a log directory it cannot write
offline, and with its only one offline it stops. Requests keep coming meanwhile (intake keeps
them in its outbox). Then space is freed and the broker started again, as an operator would:
nothing lost, nothing done twice, each victim's messages in order, staff told nothing new,
every service healthy again."""
import asyncio
import errno
import subprocess
import time
from pathlib import Path

import pytest

from .harness import FaultRun, account

pytestmark = [pytest.mark.integration, pytest.mark.faults]
REQUESTS = 45  # a third before the disk is full, a third while it is, a third after
SIZE_MB = 64


def _mount_small_filesystem(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE_MB}m,mode=0755", "tmpfs",
                           str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem for the broker here: {done.stderr.strip()}")


def _fill(path: Path) -> int:
    """Writes a ballast file until the filesystem is full; returns the bytes written."""
    written = 0
    with open(path / "ballast", "wb", buffering=0) as ballast:
        chunk = b"\0" * (1 << 20)
        while True:
            try:
                written += ballast.write(chunk)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                if len(chunk) == 1:
                    return written
                chunk = chunk[: len(chunk) // 2]


async def test_broker_disk_full_mid_burst_then_space_freed(tmp_path):
    logs = tmp_path / "kafka" / "logs"
    _mount_small_filesystem(logs)
    try:
        async with FaultRun(tmp_path) as run:
            await run.burst(REQUESTS // 3)
            ballast = _fill(logs)
            full = time.monotonic()
            await run.burst(REQUESTS // 3, start=REQUESTS // 3)
            while time.monotonic() - full < 15 and run.broker.proc.poll() is None:
                await asyncio.sleep(0.5)
            exited = run.broker.proc.poll() is not None
            said = run.broker.log_file.read_text(errors="replace")
            no_space = said.count("No space left on device")
            (logs / "ballast").unlink()  # the operator frees space ...
            if exited:
                run.broker.proc = None
            else:  # ... and restarts a broker whose only log directory went offline
                run.kill_broker()
            await run.broker.start()
            back = time.monotonic()
            await run.burst(REQUESTS // 3, start=2 * REQUESTS // 3)
            recovered = await run.wait_settled(2 * REQUESTS, timeout=150)
            counts = await account(run, "broker disk full", recovered_at=recovered,
                                   fault_ended=back)
            counts.notes |= {"broker_stopped_by_itself": exited, "no_space_lines": no_space,
                             "ballast_mb": ballast >> 20}
            print(counts.line())
        assert no_space > 0, "the broker never ran out of space: the fault did not happen"
    finally:
        subprocess.run(["umount", "-l", str(logs)], check=False)
