"""The IANA time zone names this machine knows, read once: ``available_timezones()`` walks
the whole zone database on every call (a few ms, on every request that names a zone)."""
from functools import cache
from zoneinfo import available_timezones


@cache
def _names() -> frozenset[str]:
    return frozenset(available_timezones())


def is_time_zone(name: str) -> bool:
    return name in _names()
