"""The reporting period the three report pages share: whole local days, its months, its limits,
and the twelve months a page shows when no dates are chosen."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from vod_shared.periods import InvalidPeriod, Period
from vod_shared.report_pages import chosen_period

PACIFIC = ZoneInfo("America/Los_Angeles")


def test_a_period_runs_from_local_midnight_to_the_midnight_after_its_last_day():
    march = Period(date(2026, 3, 1), date(2026, 3, 31), PACIFIC)
    assert march.holds(datetime(2026, 3, 1, 8, tzinfo=timezone.utc))  # 00:00 in Los Angeles
    assert not march.holds(datetime(2026, 3, 1, 7, 59, tzinfo=timezone.utc))
    assert march.holds(datetime(2026, 4, 1, 6, 59, tzinfo=timezone.utc))  # 23:59 PDT
    assert not march.holds(datetime(2026, 4, 1, 7, tzinfo=timezone.utc))
    assert not march.holds(None)


def test_its_months_include_the_partial_ones_at_both_ends_across_a_new_year():
    assert Period(date(2025, 11, 20), date(2026, 2, 3), PACIFIC).months() == [
        "2025-11", "2025-12", "2026-01", "2026-02"]


@pytest.mark.parametrize(("first", "last"), [(date(2026, 3, 2), date(2026, 3, 1)),
                                             (date(2010, 1, 1), date(2026, 1, 1))])
def test_a_backwards_or_too_long_period_is_refused(first, last):
    with pytest.raises(InvalidPeriod):
        Period(first, last, PACIFIC)


def test_a_page_without_dates_shows_the_twelve_months_up_to_today():
    period = chosen_period(None, None, today=date(2026, 1, 15), zone=PACIFIC)
    assert (period.first, period.last) == (date(2025, 1, 1), date(2026, 1, 15))
    assert chosen_period(date(2026, 1, 2), None, today=date(2026, 1, 15), zone=PACIFIC).first \
        == date(2026, 1, 2)
