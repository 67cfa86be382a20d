"""Dates, times and zone names word for word as Babel writes them, for the formats the messages
use, from a table made from Babel (``dates_table.py``) rather than from Babel's CLDR data, which
would hold some 7 MiB of the service's memory for the rest of its life (README "Performance").

The functions take the arguments of Babel's own. What the table does not hold (another language
or format, a zone newer than the table) is asked of Babel itself: the same words, at that cost.
``notifications_tests/unit/test_dates_table.py`` checks the table against Babel; after an upgrade
of Babel or of the zone database, ``python -m notifications.make_dates_table`` writes it again."""
from datetime import date, datetime

from notifications.adapters import dates_table as table

# A name field reads the table at this index; a number field is written as Babel writes it.
NAME_INDEX = {
    "E": lambda v: v.weekday(), "EE": lambda v: v.weekday(), "EEE": lambda v: v.weekday(),
    "EEEE": lambda v: v.weekday(), "MMM": lambda v: v.month - 1, "MMMM": lambda v: v.month - 1,
    "a": lambda v: int(v.hour >= 12),
}
NUMBERS = {
    "d": lambda v: str(v.day), "dd": lambda v: "%02d" % v.day, "y": lambda v: str(v.year),
    "H": lambda v: str(v.hour), "HH": lambda v: "%02d" % v.hour,
    "h": lambda v: str(v.hour % 12 or 12), "hh": lambda v: "%02d" % (v.hour % 12 or 12),
    "mm": lambda v: "%02d" % v.minute,
}


def format_date(value: date | datetime, format: str, locale: str) -> str:
    day = value.date() if isinstance(value, datetime) else value
    return _words(table.DATE, format, locale, day) or _babel().format_date(
        value, format, locale=locale)


def format_skeleton(skeleton: str, value: datetime, locale: str) -> str:
    return _words(table.SKELETON, skeleton, locale, value) or _babel().format_skeleton(
        skeleton, value, locale=locale)


def format_time(value: datetime, format: str, locale: str) -> str:
    return _words(table.TIME, format, locale, value) or _babel().format_time(
        value, format, locale=locale)


def get_timezone_name(value: datetime, width: str, *, zone_variant: str, locale: str) -> str:
    """The zone's name (``value`` is an aware datetime in a ``ZoneInfo`` zone); for a zone
    CLDR gives no name, its offset from GMT at that instant, as Babel writes it."""
    names = table.ZONES.get(locale) if (width, zone_variant) == ("long", "generic") else None
    key = getattr(value.tzinfo, "key", None)
    if names is None or key not in names:
        return _babel().get_timezone_name(value, width, zone_variant=zone_variant, locale=locale)
    if names[key] is not None:
        return names[key]
    offset = value.utcoffset()
    hours, seconds = divmod(offset.days * 86400 + offset.seconds, 3600)
    return table.GMT[locale] % (hours, seconds // 60)


def _words(patterns: dict, name: str, locale: str, value: date | datetime) -> str | None:
    pattern = patterns.get(locale, {}).get(name)
    if pattern is None:
        return None
    text, fields = pattern
    names = table.NAMES[locale]
    return text % {field: names[field][NAME_INDEX[field](value)] if field in NAME_INDEX
                   else NUMBERS[field](value) for field in fields}


def _babel():
    import babel.dates

    return babel.dates
