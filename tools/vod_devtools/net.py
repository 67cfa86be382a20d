"""Tiny networking helpers shared by the dev tools and their tests."""

import socket


def free_port() -> int:
    """A port that was free a moment ago (the OS picks it; tiny race, fine for dev and tests)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
