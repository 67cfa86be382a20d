"""``make run``'s first look: are the ports it needs free?

If Dialogue already answers on them, it says so ("already running", with where to find it) and
exits 3, which ``make run`` takes as "nothing to start". If another program holds one of them,
it names the port and the variable that moves it, and exits 1. Otherwise it exits 0 quietly.

    python -m vod_devtools.preflight
"""
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx

from vod_devtools.net import port_in_use

ALREADY_RUNNING = 3
SERVICES = {"intake": 8001, "screening": 8002, "scheduling": 8003, "notifications": 8004}


@dataclass(frozen=True)
class Port:
    what: str
    number: int
    variable: str


def ports(environ: Mapping[str, str]) -> list[Port]:
    """The ports ``make run`` listens on, as the environment sets them."""
    bootstrap = environ.get("KAFKA_BOOTSTRAP_SERVERS", "")
    kafka = int(bootstrap.split(",")[0].rsplit(":", 1)[1]) if ":" in bootstrap else 9092
    found = [Port(name, int(environ.get(f"{name.upper()}_PORT", default)), f"{name.upper()}_PORT")
             for name, default in SERVICES.items()]
    found += [Port("the Kafka broker", kafka, "KAFKA_BOOTSTRAP_SERVERS"),
              Port("the Kafka controller", kafka + 1, "KAFKA_BOOTSTRAP_SERVERS (its port + 1)"),
              Port("the mail catcher", int(environ.get("CATCHER_SMTP_PORT", 1025)),
                   "CATCHER_SMTP_PORT"),
              Port("the catchers' pages", int(environ.get("CATCHER_HTTP_PORT", 8025)),
                   "CATCHER_HTTP_PORT")]
    return found


def is_ours(port: int) -> bool:
    """Whether a Dialogue service answers on ``port`` (its ``/healthz``, up or not yet ready)."""
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
        body = response.json()
    except (httpx.HTTPError, ValueError):
        return False
    return isinstance(body, dict) and ("status" in body or body.get("title") == "Not ready")


def check(environ: Mapping[str, str], *, in_use: Callable[[int], bool] = port_in_use,
          ours: Callable[[int], bool] = is_ours, say: Callable[[str], None] = print) -> int:
    taken = [port for port in ports(environ) if in_use(port.number)]
    if not taken:
        return 0
    running = [port for port in taken if port.what in SERVICES and ours(port.number)]
    if running:
        intake = next((p.number for p in ports(environ) if p.what == "intake"), 8001)
        say(f"Dialogue is already running ({', '.join(p.what for p in running)} answer): "
            f"the request page is http://localhost:{intake}/request.\n"
            "Stop it with Ctrl-C in the terminal it runs in, then `make run` again.")
        return ALREADY_RUNNING
    for port in taken:
        say(f"Port {port.number} ({port.what}) is in use by another program. Stop that program, "
            f"or give {port.variable} another value.")
    return 1


def main() -> int:
    return check(os.environ)


if __name__ == "__main__":
    sys.exit(main())
