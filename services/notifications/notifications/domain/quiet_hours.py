"""Quiet hours: no text message between 21:00 and 08:00 where the recipient lives.

A held message is not dropped: it goes at 08:00 their time. Email goes at once (it does not
wake anyone), and so does anything urgent. The recipient's zone is the one they gave, else
their state's main zone, else the program's.
"""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vod_shared.events import Channel

PROGRAM_ZONE = "America/Los_Angeles"
QUIET_FROM = time(21, 0)
QUIET_UNTIL = time(8, 0)

_EASTERN, _CENTRAL, _MOUNTAIN, _PACIFIC = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")
# The zone most of each state's people live in.
STATE_ZONES = {
    **dict.fromkeys(["CT", "DC", "DE", "FL", "GA", "KY", "MA", "MD", "ME", "NC", "NH", "NJ", "NY",
                     "OH", "PA", "RI", "SC", "VA", "VT", "WV"], _EASTERN),
    **dict.fromkeys(["AL", "AR", "IA", "IL", "KS", "LA", "MN", "MO", "MS", "ND", "NE", "OK", "SD",
                     "TN", "TX", "WI"], _CENTRAL),
    **dict.fromkeys(["CO", "MT", "NM", "UT", "WY"], _MOUNTAIN),
    **dict.fromkeys(["CA", "NV", "OR", "WA"], _PACIFIC),
    "AZ": "America/Phoenix", "ID": "America/Boise", "IN": "America/Indiana/Indianapolis",
    "MI": "America/Detroit", "AK": "America/Anchorage", "HI": "Pacific/Honolulu",
    "PR": "America/Puerto_Rico", "VI": "America/St_Thomas", "GU": "Pacific/Guam",
    "AS": "Pacific/Pago_Pago", "MP": "Pacific/Saipan",
}


def recipient_zone(time_zone: str | None, state: str | None) -> ZoneInfo:
    if time_zone:
        try:
            return ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            pass  # a zone we cannot read: fall back as if none was given
    return ZoneInfo(STATE_ZONES.get((state or "").upper(), PROGRAM_ZONE))


def is_quiet(local: datetime) -> bool:
    return local.time() >= QUIET_FROM or local.time() < QUIET_UNTIL


def earliest_send(now: datetime, *, channel: Channel, urgent: bool, zone: ZoneInfo) -> datetime:
    """When a message due ``now`` may go: ``now``, or the end of the recipient's night."""
    if channel is not Channel.SMS or urgent:
        return now
    local = now.astimezone(zone)
    if not is_quiet(local):
        return now
    morning_day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(morning_day, QUIET_UNTIL, tzinfo=zone).astimezone(timezone.utc)
