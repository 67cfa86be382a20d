"""Quiet hours: no text message between 21:00 and 08:00 where the recipient lives, or in the
hours she chose herself (``quiet_hours`` in her sealed details: ``{"start": "HH:MM", "end":
"HH:MM"}`` on her own clock), which replace the program's for her.

A held message is not dropped: it goes at the end of her quiet hours, her time. Email goes at
once (it does not wake anyone), and so does anything urgent. The recipient's zone is the one
they gave, else their state's main zone, else the program's.
"""
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from vod_shared.events import Channel

QUIET_FROM = time(21, 0)
QUIET_UNTIL = time(8, 0)
_HH_MM = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


@dataclass(frozen=True)
class QuietHours:
    """From ``start`` (included) to ``end`` (excluded) on the recipient's clock; across
    midnight when ``start`` is later than ``end``."""

    start: time
    end: time

    def cover(self, local: time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


PROGRAM_QUIET_HOURS = QuietHours(QUIET_FROM, QUIET_UNTIL)


def quiet_hours(chosen: object) -> QuietHours:
    """Her own quiet hours from her details; the program's when she chose none, or when what
    is there cannot be read as two different HH:MM times."""
    if not isinstance(chosen, dict):
        return PROGRAM_QUIET_HOURS
    start, end = _clock_time(chosen.get("start")), _clock_time(chosen.get("end"))
    if start is None or end is None or start == end:
        return PROGRAM_QUIET_HOURS
    return QuietHours(start, end)


def _clock_time(value: object) -> time | None:
    match = _HH_MM.fullmatch(value) if isinstance(value, str) else None
    return time(int(match[1]), int(match[2])) if match else None


def is_quiet(local: datetime, hours: QuietHours = PROGRAM_QUIET_HOURS) -> bool:
    return hours.cover(local.time())


def earliest_send(now: datetime, *, channel: Channel, urgent: bool, zone: ZoneInfo,
                  hours: QuietHours = PROGRAM_QUIET_HOURS) -> datetime:
    """When a message due ``now`` may go: ``now``, or the end of the recipient's quiet hours."""
    if channel is not Channel.SMS or urgent:
        return now
    local = now.astimezone(zone)
    if not is_quiet(local, hours):
        return now
    end_day = local.date() if local.time() < hours.end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, hours.end, tzinfo=zone).astimezone(timezone.utc)
