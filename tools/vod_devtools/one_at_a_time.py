"""One process at a time for a machine's one-time set-up: the Kafka jars (Maven), PostgreSQL and
Chromium (apt-get). ``make test`` does the set-up before its test workers start; a direct
``pytest -n`` starts them all at once, and two Mavens writing one cache file, or two apt-gets
(the second refused the package manager's lock), would fail a run that needed nothing but
patience. The one who waited then finds the work done."""
import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def lock_dir() -> Path:
    return Path(tempfile.gettempdir())


@contextmanager
def one_at_a_time(lock_file: Path | None = None, *, name: str = "setup") -> Iterator[None]:
    """Holds an exclusive lock on ``lock_file`` (default: ``vod-<name>.lock`` in the temporary
    directory) for the block; another process (or thread) waits for it at the door. The lock
    goes with the process, whatever ends it. The file is opened for reading only: a lock file
    another user made (root's, for apt-get) can be locked all the same."""
    path = lock_file or lock_dir() / f"vod-{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # an existing file without O_CREAT: fs.protected_regular refuses that in /tmp
        held = os.open(path, os.O_RDONLY)  # for a file another user owns
    except FileNotFoundError:
        held = os.open(path, os.O_RDONLY | os.O_CREAT, 0o666)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)
        yield
    finally:
        os.close(held)  # which lets go of the lock
