"""Dates, times and zone names word for word as Babel writes them, for the formats the messages
use, from a table made from Babel (``dates_table.json``) rather than from Babel's CLDR data,
which would hold some 7 MiB of the service's memory for the rest of its life (README
"Performance"). The table is JSON, not a Python module: compiling 50 kB of literals at each
start (the image's user cannot write bytecode beside the sources) would keep another 1.5 MiB.

The functions take the arguments of Babel's own. What the table does not hold (another language
or format, a zone newer than the table) is asked of Babel itself: the same words, at that cost.
``notifications_tests/unit/test_dates_table.py`` checks the table against Babel; after an upgrade
of Babel or of the zone database, ``python -m notifications.make_dates_table`` writes it again."""
import json
from datetime import date, datetime
from pathlib import Path

from notifications.adapters.date_fields import NAME_INDEX, NUMBERS

TABLE_FILE = Path(__file__).with_name("dates_table.json")
TABLE = json.loads(TABLE_FILE.read_text(encoding="utf-8"))


def format_date(value: date | datetime, format: str, locale: str) -> str:
    day = value.date() if isinstance(value, datetime) else value
    return _words(TABLE["DATE"], format, locale, day) or _babel().format_date(
        value, format, locale=locale)


def format_skeleton(skeleton: str, value: datetime, locale: str) -> str:
    return _words(TABLE["SKELETON"], skeleton, locale, value) or _babel().format_skeleton(
        skeleton, value, locale=locale)


def format_time(value: datetime, format: str, locale: str) -> str:
    return _words(TABLE["TIME"], format, locale, value) or _babel().format_time(
        value, format, locale=locale)


def get_timezone_name(value: datetime, width: str, *, zone_variant: str, locale: str) -> str:
    """The zone's name (``value`` is an aware datetime in a ``ZoneInfo`` zone); for a zone
    CLDR gives no name, its offset from GMT at that instant, as Babel writes it."""
    names = TABLE["ZONES"].get(locale) if (width, zone_variant) == ("long", "generic") else None
    key = getattr(value.tzinfo, "key", None)
    if names is None or key not in names:
        return _babel().get_timezone_name(value, width, zone_variant=zone_variant, locale=locale)
    if names[key] is not None:
        return names[key]
    offset = value.utcoffset()
    hours, seconds = divmod(offset.days * 86400 + offset.seconds, 3600)
    return TABLE["GMT"][locale] % (hours, seconds // 60)


def _words(patterns: dict, name: str, locale: str, value: date | datetime) -> str | None:
    pattern = patterns.get(locale, {}).get(name)
    if pattern is None:
        return None
    text, fields = pattern
    names = TABLE["NAMES"][locale]
    return text % {field: names[field][NAME_INDEX[field](value)] if field in NAME_INDEX
                   else NUMBERS[field](value) for field in fields}


def _babel():
    import babel.dates

    return babel.dates
