"""Tiny networking helpers shared by the dev tools and their tests."""

import os
import random
import re
import socket
import threading

# Ports for tests and the bench are handed out below the kernel's ephemeral range, which is where
# it picks the local port of every outgoing connection (and of a ``bind`` to port 0): a port
# chosen inside that range and closed again could be taken by any client's connection before
# the server it was chosen for binds it. The span below is cut into slices, one per pytest-xdist
# worker, so two workers of one run never hand out the same port.
_FLOOR = 10000
_SLICES = 16  # slice 0 outside xdist, then gw0..gw14; a worker beyond has the kernel choose
_EPHEMERAL_RANGE = "/proc/sys/net/ipv4/ip_local_port_range"


def ephemeral_low(path: str = _EPHEMERAL_RANGE) -> int:
    """The first port of the kernel's ephemeral range (Linux: read live; elsewhere 49152, the
    IANA range macOS and Windows use)."""
    try:
        with open(path, encoding="ascii") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 49152


def worker_slice(worker: str | None, low: int) -> tuple[int, int] | None:
    """The ports ``[start, end)`` a process hands out: slice 0 outside pytest-xdist, slice
    N + 1 for its worker ``gwN``. None (the kernel chooses) when the ephemeral range leaves too
    little room below it, or for a worker beyond the slices (never two workers in one)."""
    span = (low - _FLOOR) // _SLICES
    if span < 64:
        return None
    match = re.fullmatch(r"gw(\d+)", worker or "")
    index = int(match.group(1)) + 1 if match else 0
    if index >= _SLICES:
        return None
    start = _FLOOR + index * span
    return start, start + span


def bindable(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


class Ports:
    """Hands out each port of ``[start, end)`` at most once, in order from a random point (so
    two runs side by side on one machine seldom meet), skipping any port something holds."""

    def __init__(self, start: int, end: int, first: int | None = None) -> None:
        self.start, self.end = start, end
        self._next = first if first is not None else random.randrange(start, max(end, start + 1))
        self._handed = 0
        self._lock = threading.Lock()

    def take(self) -> int | None:
        with self._lock:
            while self._handed < self.end - self.start:
                port, self._handed = self._next, self._handed + 1
                self._next = self.start + (port + 1 - self.start) % (self.end - self.start)
                if bindable(port):
                    return port
            return None


_ports: Ports | None = None
_ports_lock = threading.Lock()


def _os_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_port() -> int:
    """A port nothing listens on, not handed out before by this process, and outside the range
    the kernel takes outgoing connections' ports from (falls back to the kernel's choice where
    that range leaves no room below it, or once this process's slice is used up)."""
    global _ports
    with _ports_lock:
        if _ports is None:
            bounds = worker_slice(os.environ.get("PYTEST_XDIST_WORKER"), ephemeral_low())
            _ports = Ports(*bounds) if bounds else Ports(0, 0)
        ports = _ports
    return ports.take() or _os_port()


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


_ESTABLISHED = "01"


def connections_to(port: int, tables: tuple[str, ...] = ("/proc/net/tcp", "/proc/net/tcp6")) -> int:
    """How many established TCP connections this machine has to our listening ``port`` (Linux:
    read from /proc; elsewhere 0, as if none)."""
    count = 0
    for table in tables:
        try:
            lines = open(table, encoding="ascii").read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 3 and fields[3] == _ESTABLISHED and \
                    int(fields[1].rsplit(":", 1)[1], 16) == port:
                count += 1
    return count
