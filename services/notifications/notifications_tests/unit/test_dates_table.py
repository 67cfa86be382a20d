"""The dates, times and zone names in messages come from a table made from Babel
(``adapters/dates.py``), so that the service does not hold Babel's CLDR data: they must read word
for word as Babel writes them, over every day of three years, every minute of a day, the hours
around each change of clock and every zone a reader can hold, in both languages. When an upgrade
of Babel or of the zone database changes a word, these fail and say how to write the table again."""
import os
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, available_timezones

import babel
import babel.dates
import pytest

from notifications.adapters import dates, facts
from notifications.adapters.rendering import LANGUAGES
from vod_shared.zones import PROGRAM_ZONE, STATE_ZONES

REGENERATE = "python -m notifications.make_dates_table"
UTC = timezone.utc
# The zones whose clocks change that messages are most often read in, and two of the south.
CHANGING = sorted({PROGRAM_ZONE, *STATE_ZONES.values(), "Europe/London", "America/Santiago",
                   "Australia/Lord_Howe"})


@pytest.fixture(autouse=True)
def table_only(monkeypatch):
    """The table's side of each comparison must not quietly ask Babel."""
    def asked():
        raise AssertionError(f"the table lacks it: regenerate with `{REGENERATE}`")
    monkeypatch.setattr(dates, "_babel", asked)


def _differ(pairs) -> None:
    wrong = [(what, ours, theirs) for what, ours, theirs in pairs if ours != theirs]
    assert not wrong, (f"{len(wrong)} words differ from Babel {babel.__version__}, e.g. "
                       f"{wrong[:3]}: regenerate with `{REGENERATE}`")


def test_every_day_of_three_years_reads_as_babel_writes_it():
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(3 * 366)]
    days += [date(1999, 12, 31), date(2000, 2, 29), date(2100, 1, 1)]

    def both(day, language):
        noon = datetime.combine(day, datetime.min.time(), ZoneInfo(PROGRAM_ZONE)).replace(hour=12)
        for form in ("full", "long", "medium"):
            yield ((day, language, form), dates.format_date(day, form, language),
                   babel.dates.format_date(day, form, locale=language))
        yield ((noon, language, "full"), dates.format_date(noon, "full", language),
               babel.dates.format_date(noon, "full", locale=language))
        yield ((day, language, "MMMEd"), dates.format_skeleton("MMMEd", noon, language),
               babel.dates.format_skeleton("MMMEd", noon, locale=language))

    _differ(pair for day in days for language in LANGUAGES for pair in both(day, language))


def test_every_minute_of_a_day_reads_as_babel_writes_it():
    midnight = datetime(2026, 6, 1, tzinfo=ZoneInfo(PROGRAM_ZONE))
    _differ(((at, language), dates.format_time(at, "short", language),
             babel.dates.format_time(at, "short", locale=language))
            for at in (midnight + timedelta(minutes=n) for n in range(24 * 60))
            for language in LANGUAGES)


def test_the_hours_around_each_change_of_clock_read_as_babel_writes_them(monkeypatch):
    """A meeting's facts (day, time, zone name, and the venue's clock when it differs from
    hers) every half hour from three hours before to three hours after each change."""
    assert len(_changes(ZoneInfo(PROGRAM_ZONE), 2026, 2027)) == 4
    cases = [(change + timedelta(minutes=30 * n), zone, language) for zone in CHANGING
             for change in _changes(ZoneInfo(zone), 2026, 2027) for n in range(-6, 7)
             for language in LANGUAGES]
    ours = [_meeting(*case) for case in cases]
    monkeypatch.setattr(facts, "format_date", babel.dates.format_date)
    monkeypatch.setattr(facts, "format_skeleton", babel.dates.format_skeleton)
    monkeypatch.setattr(facts, "format_time", babel.dates.format_time)
    monkeypatch.setattr(facts, "get_timezone_name", babel.dates.get_timezone_name)
    theirs = [_meeting(*case) for case in cases]
    _differ(((case, fact), mine[fact], babels[fact])
            for case, mine, babels in zip(cases, ours, theirs) for fact in mine)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_zone_a_reader_can_hold_is_named_as_babel_names_it(language, monkeypatch):
    """Her zone is any this machine knows (intake checks it against ``available_timezones``);
    winter and summer, so that a name given as an offset from GMT follows the clock. A zone
    newer than the table (a host's zone database updated since) is named by Babel itself: the
    same words, at Babel's memory cost, so it does not fail here (regenerating saves that)."""
    held = sorted(available_timezones())
    table = dates.TABLE["ZONES"][language]
    newer = [zone for zone in held if zone not in table]
    assert len(newer) < len(held) / 10, f"{newer}: regenerate with `{REGENERATE}`"
    instants = [datetime(2026, 1, 15, 12, tzinfo=UTC), datetime(2026, 7, 15, 12, tzinfo=UTC)]

    def compared(zones):
        return (((zone, at), dates.get_timezone_name(local, "long", zone_variant="generic",
                                                     locale=language),
                 babel.dates.get_timezone_name(local, "long", zone_variant="generic",
                                               locale=language))
                for zone in zones for at in instants
                for local in [at.astimezone(ZoneInfo(zone))])

    _differ(list(compared([zone for zone in held if zone in table])))
    monkeypatch.setattr(dates, "_babel", lambda: babel.dates)
    _differ(list(compared(newer)))


def test_what_the_table_lacks_is_asked_of_babel(monkeypatch):
    monkeypatch.setattr(dates, "_babel", lambda: babel.dates)
    at = datetime(2026, 3, 8, 9, 30, tzinfo=ZoneInfo("Europe/Paris"))
    assert dates.format_date(at, "full", "fr") == "dimanche 8 mars 2026"
    assert dates.format_time(at, "medium", "en") == babel.dates.format_time(at, "medium",
                                                                             locale="en")
    assert (dates.get_timezone_name(at.astimezone(UTC), "long", zone_variant="generic",
                                    locale="en")
            == babel.dates.get_timezone_name(at.astimezone(UTC), "long", zone_variant="generic",
                                             locale="en"))


def test_writing_messages_does_not_load_babel():
    """The point of the table: Babel's ~7 MiB of CLDR data stay out of the service."""
    probe = ("import sys\n"
             "from zoneinfo import ZoneInfo\n"
             "from notifications.adapters.rendering import Renderer\n"
             "r = Renderer(program_phone='1-877-256-6877')\n"
             "params = {'effective_at': '2026-11-20T16:00:00+00:00', 'venue': 'facility',\n"
             "          'starts_at': '2026-11-01T16:30:00+00:00', 'time_zone': 'America/Denver'}\n"
             "for language in ('en', 'es'):\n"
             "    r.sms('custody_escape', language=language, params=params, reference='VOD-1',\n"
             "          zone=ZoneInfo('America/New_York'))\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] == 'babel'))\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def _changes(zone: ZoneInfo, first: int, last: int) -> list[datetime]:
    """The instants the zone's clock changes in those years (found hour by hour)."""
    at, end, found = datetime(first, 1, 1, tzinfo=UTC), datetime(last + 1, 1, 1, tzinfo=UTC), []
    while at < end:
        after = at + timedelta(hours=1)
        if at.astimezone(zone).utcoffset() != after.astimezone(zone).utcoffset():
            found.append(after)
        at = after
    return found


def _meeting(at: datetime, venue: str, language: str):
    params = {"starts_at": at.isoformat(), "ends_at": (at + timedelta(hours=2)).isoformat(),
              "effective_at": at.isoformat(), "venue": "facility", "time_zone": venue}
    reader = ZoneInfo(PROGRAM_ZONE if venue != PROGRAM_ZONE else "America/New_York")
    return {(long, fact): value for long in (True, False)
            for fact, value in facts._facts(params, language=language, zone=reader,
                                            long=long).items()}
