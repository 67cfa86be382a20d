"""``python -m notifications.make_dates_table``: writes ``notifications/adapters/dates_table.json``,
the words of the dates, times and zone names messages show, taken from Babel.

For each language the messages are written in: the patterns of the formats ``adapters/facts.py``
asks for, the weekday, month and AM/PM names those patterns use (each as Babel formats it
alone; ``adapters/date_fields.py`` says how each field is read) and the long generic name of
every time zone this machine or CLDR knows (none where CLDR has none: Babel then writes the
offset from GMT, and so does ``adapters/dates.py``). Run it after an upgrade of Babel or of the
zone database; ``notifications_tests/unit/test_dates_table.py`` says when it is due.
"""
import json
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import available_timezones

import babel
from babel import Locale
from babel.core import get_global
from babel.dates import NO_INHERITANCE_MARKER, format_datetime, tokenize_pattern

from notifications.adapters.date_fields import NAME_INDEX, NUMBERS

LANGUAGES = ("en", "es")
# What facts.py asks Babel for: format_date's, format_skeleton's and format_time's formats.
DATE_FORMATS, SKELETONS, TIME_FORMATS = ("full", "long", "medium"), ("MMMEd",), ("short",)
TARGET = Path(__file__).parent / "adapters" / "dates_table.json"
COMMAND = "python -m notifications.make_dates_table"


def pattern(text: str) -> tuple[str, tuple[str, ...]]:
    """A CLDR pattern as a %-format over its fields, and the fields."""
    parts, fields = [], []
    for kind, value in tokenize_pattern(text):
        if kind == "chars":
            parts.append(value.replace("%", "%%"))
            continue
        field = value[0] * value[1]
        if field not in NAME_INDEX and field not in NUMBERS:
            raise SystemExit(f"{text!r}: adapters/dates.py cannot write the field {field!r}")
        parts.append(f"%({field})s")
        fields.append(field)
    return "".join(parts), tuple(dict.fromkeys(fields))


def names(field: str, language: str) -> tuple[str, ...]:
    """Each name a field can take, in the order of ``NAME_INDEX``, as Babel formats it."""
    samples = {"E": [datetime(2024, 1, 1 + i) for i in range(7)],  # 2024-01-01 is a Monday
               "M": [datetime(2024, m, 1) for m in range(1, 13)],
               "a": [datetime(2024, 1, 1, 0), datetime(2024, 1, 1, 12)]}[field[0]]
    for sample in samples:
        assert NAME_INDEX[field](sample) == samples.index(sample), field
    return tuple(format_datetime(sample, field, locale=language) for sample in samples)


def zone_name(zone: str, locale: Locale) -> str | None:
    """The long generic name ``babel.dates.get_timezone_name`` gives the zone, if it has one."""
    canonical = get_global("zone_aliases").get(zone, zone)
    candidates = (locale.time_zones.get(canonical, {}),
                  locale.meta_zones.get(get_global("meta_zones").get(canonical), {}))
    for info in candidates:
        name = info.get("long", {}).get("generic")
        if name and name != NO_INHERITANCE_MARKER:
            return name
    return None


def zones() -> list[str]:
    aliases = get_global("zone_aliases")
    return sorted(available_timezones() | set(aliases) | set(aliases.values())
                  | set(get_global("meta_zones")) | set(get_global("zone_territories")))


def table() -> dict:
    out = {"DATE": {}, "SKELETON": {}, "TIME": {}, "NAMES": {}, "GMT": {}, "ZONES": {}}
    for language in LANGUAGES:
        locale = Locale.parse(language)
        out["DATE"][language] = {f: pattern(locale.date_formats[f].pattern) for f in DATE_FORMATS}
        out["SKELETON"][language] = {s: pattern(locale.datetime_skeletons[s].pattern)
                                     for s in SKELETONS}
        out["TIME"][language] = {f: pattern(locale.time_formats[f].pattern) for f in TIME_FORMATS}
        used = sorted({field for kind in ("DATE", "SKELETON", "TIME")
                       for _, fields in out[kind][language].values() for field in fields
                       if field in NAME_INDEX})
        out["NAMES"][language] = {field: names(field, language) for field in used}
        out["GMT"][language] = locale.zone_formats["gmt"] % "%+03d:%02d"
        out["ZONES"][language] = {zone: zone_name(zone, locale) for zone in zones()}
    return out


def source() -> str:
    made = (f"by `{COMMAND}` from Babel {babel.__version__} "
            f"(CLDR {get_global('cldr').get('version')}): do not edit")
    return json.dumps({"_generated": made, **table()}, ensure_ascii=False, indent=1,
                      sort_keys=True) + "\n"


def main() -> int:
    TARGET.write_text(source(), encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
