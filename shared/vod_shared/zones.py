"""A person's time zone, as DESIGN states it for every service: the IANA zone they gave, else
their state's main zone, else the program's (America/Los_Angeles). Instants are stored in UTC
and shown to a person in this zone."""
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROGRAM_ZONE = "America/Los_Angeles"

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


def person_zone(time_zone: str | None, state: str | None) -> ZoneInfo:
    if time_zone:
        try:
            return ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            pass  # a zone we cannot read: fall back as if none was given
    return ZoneInfo(STATE_ZONES.get((state or "").upper(), PROGRAM_ZONE))
