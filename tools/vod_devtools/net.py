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
