"""What a message shows of its facts (a delivery's params): dates and times in the reader's zone
and language (as Babel writes them, from ``dates.py``'s table), a facility's public name, and
the codes templates choose words by.
Params hold codes, ids and instants only, never a name or a contact detail.

A dialogue in person also shows its start on the venue's clock (``at_venue``) when that clock
reads differently from the reader's at that moment: a victim who travels from another state
should not have to convert the time once she is there."""
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from notifications.adapters.dates import (format_date, format_skeleton, format_time,
                                          get_timezone_name)
from notifications.domain.facilities import facility_name
from notifications.domain.schedule import venue_zone

# The codes a template may choose its words by, passed through as they are.
CODES = ("mode", "venue", "stage", "follow_up", "rescheduled", "updated", "by_the_case",
         "short_notice")
# The dialogue's venues one travels to (not a video call).
IN_PERSON = frozenset({"facility", "community"})


@dataclass(frozen=True)
class Moment:
    """An instant as the reader reads it: ``date`` (long in an email, short in a text),
    ``time`` and the name of the reader's zone."""

    date: str
    time: str
    zone_name: str


def message_facts(params: dict, *, language: str, zone: ZoneInfo, long: bool) -> dict:
    """The facts as the templates show them. A fan-out words the same facts hundreds of times
    (an escape's params are the same for every registrant): they are worked out once per
    params, language, zone and length (params hold no personal data, see above)."""
    try:
        key = tuple(sorted(params.items()))
        hash(key)
    except TypeError:  # a value that is a list or a map: worked out each time
        return _facts(params, language=language, zone=zone, long=long)
    return dict(_remembered(key, language, zone, long))


@lru_cache(maxsize=256)
def _remembered(items: tuple, language: str, zone: ZoneInfo, long: bool) -> dict:
    return _facts(dict(items), language=language, zone=zone, long=long)


def _facts(params: dict, *, language: str, zone: ZoneInfo, long: bool) -> dict:
    effective = _local(params.get("effective_at"), zone)
    date_format = "long" if long else "medium"
    return {
        "facility": facility_name(params.get("facility_code")),
        "kinds": tuple(k for k in (params.get("kinds") or "").split(",") if k),
        "reminder": params.get("reminder") == "yes",
        "effective_date": _date(effective, date_format, language),
        "effective_time": _time(effective, language) if effective else None,
        "hearing_date": _date(params.get("hearing_date"), date_format, language),
        "execution_date": _date(params.get("execution_date"), date_format, language),
        "starts": moment(params.get("starts_at"), language=language, zone=zone, long=long),
        "ends": moment(params.get("ends_at"), language=language, zone=zone, long=long),
        "at_venue": at_venue(params, language=language, zone=zone, long=long),
        **{code: params.get(code) for code in CODES},
    }


def moment(value: str | None, *, language: str, zone: ZoneInfo, long: bool) -> Moment | None:
    local = _local(value, zone)
    if local is None:
        return None
    day = (format_date(local, "full", locale=language) if long
           else format_skeleton("MMMEd", local, locale=language))
    return Moment(day, _time(local, language),
                  get_timezone_name(local, "long", zone_variant="generic", locale=language))


def at_venue(params: dict, *, language: str, zone: ZoneInfo, long: bool) -> Moment | None:
    """The start of a dialogue in person on the venue's clock, if it reads differently from the
    reader's (another UTC offset at that moment); else None."""
    starts_at = params.get("starts_at")
    if params.get("venue") not in IN_PERSON or not starts_at:
        return None
    instant, venue = datetime.fromisoformat(starts_at), venue_zone(params.get("time_zone"))
    if instant.astimezone(venue).utcoffset() == instant.astimezone(zone).utcoffset():
        return None
    return moment(starts_at, language=language, zone=venue, long=long)


def _local(value: str | None, zone: ZoneInfo) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(zone) if value else None


def _time(local: datetime, language: str) -> str:
    # CLDR puts a narrow no-break space before AM/PM; a plain one reads the same.
    return format_time(local, "short", locale=language).replace("\u202f", " ")


def _date(value: datetime | str | None, date_format: str, language: str) -> str | None:
    if value is None:
        return None
    day = value.date() if isinstance(value, datetime) else date.fromisoformat(value)
    return format_date(day, date_format, locale=language)
