"""The case figures' counting rules, on lines a store would hold: period edges in Pacific time,
a case counted once, medians for the time to each stage."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from vod_shared.periods import InvalidPeriod, Period

from screening.domain.reports import Line, case_figures

PACIFIC = ZoneInfo("America/Los_Angeles")
MARCH = Period(date(2026, 3, 1), date(2026, 3, 31), PACIFIC)


def at(day: int, hour: int = 12, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=PACIFIC).astimezone(timezone.utc)


def test_the_edges_of_the_period_are_midnights_in_the_programs_zone():
    lines = [
        Line("inside-first", "RequestReceived", datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)),
        # 07:59 UTC on 1 March is still 28 February in California.
        Line("before", "RequestReceived", datetime(2026, 3, 1, 7, 59, tzinfo=timezone.utc)),
        # 06:30 UTC on 1 April is 31 March, 23:30, in California (daylight time).
        Line("inside-last", "RequestReceived", datetime(2026, 4, 1, 6, 30, tzinfo=timezone.utc)),
        Line("after", "RequestReceived", datetime(2026, 4, 1, 7, 0, tzinfo=timezone.utc)),
    ]
    figures = case_figures(lines, MARCH)
    assert figures.requests_by_month == [("2026-03", 2)]


def test_requests_by_month_count_a_case_once_and_show_empty_months():
    period = Period(date(2026, 1, 15), date(2026, 3, 10), PACIFIC)
    lines = [Line("a", "RequestReceived", at(20, month=1)),
             Line("a", "RequestReceived", at(2, month=3)),  # the same case again: not counted
             Line("b", "RequestReceived", at(5, month=3)),
             Line("old", "RequestReceived", at(5, month=1))]  # before the period
    assert case_figures(lines, period).requests_by_month == [
        ("2026-01", 1), ("2026-02", 0), ("2026-03", 1)]


def test_an_outcome_counts_each_case_once_by_its_last_decision_in_the_period():
    lines = [Line("a", "EligibilityDetermined", at(2), "needs_review"),
             Line("a", "EligibilityDetermined", at(3), "eligible"),
             Line("b", "EligibilityDetermined", at(4), "ineligible"),
             Line("c", "EligibilityDetermined", at(5, month=4), "eligible")]  # after it
    assert case_figures(lines, MARCH).eligibility == {"eligible": 1, "ineligible": 1}


def test_time_to_a_stage_is_the_median_from_the_first_request_to_the_first_time_reached():
    lines = [Line("a", "RequestReceived", at(1)), Line("a", "FacilitatorAssigned", at(3)),
             Line("a", "FacilitatorAssigned", at(20)),  # reassigned: the first one counts
             Line("b", "RequestReceived", at(2)), Line("b", "FacilitatorAssigned", at(12)),
             Line("c", "RequestReceived", at(10, month=2)),
             Line("c", "FacilitatorAssigned", at(6)),
             Line("d", "FacilitatorAssigned", at(7))]  # its request unknown: left out
    times = {s.stage: s for s in case_figures(lines, MARCH).stage_times}
    # a: 2 days, b: 10 days, c: 24 days (February's request is before the period; fine).
    assert times["Facilitators assigned"].cases == 3
    assert times["Facilitators assigned"].median_days == 10
    assert times["Dialogue held"].cases == 0 and times["Dialogue held"].median_days is None


def test_a_stage_first_reached_before_the_period_is_not_counted_in_it():
    lines = [Line("a", "RequestReceived", at(1, month=2)),
             Line("a", "FacilitatorAssigned", at(5, month=2)),
             Line("a", "FacilitatorAssigned", at(5))]
    times = {s.stage: s for s in case_figures(lines, MARCH).stage_times}
    assert times["Facilitators assigned"].cases == 0


def test_withdrawals_by_reason_dialogues_held_and_surveys_due():
    lines = [Line("a", "CaseWithdrawn", at(2), "victim_not_ready"),
             Line("a", "CaseWithdrawn", at(9), "victim_not_ready"),  # replayed twice: once
             Line("b", "CaseWithdrawn", at(3)),
             Line("c", "CaseWithdrawn", at(4), "offender_declined"),
             Line("d", "SessionCompleted", at(5)), Line("d", "SessionCompleted", at(6)),
             Line("e", "SessionCompleted", at(7)),
             Line("d", "SurveyDue", at(8), "after_dialogue"),
             Line("e", "SurveyDue", at(8), "after_dialogue"),
             Line("f", "SurveyDue", at(28, month=2), "enrollment")]
    figures = case_figures(lines, MARCH)
    assert figures.withdrawals == {"none_given": 1, "offender_declined": 1,
                                   "victim_not_ready": 1}
    assert figures.dialogues_held == 2
    assert figures.surveys_due == {"after_dialogue": 2}


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(InvalidPeriod):
        Period(date(2026, 3, 2), date(2026, 3, 1), PACIFIC)
    assert Period(date(2026, 3, 1), date(2026, 3, 1), PACIFIC).end - timedelta(days=1) == \
        Period(date(2026, 3, 1), date(2026, 3, 1), PACIFIC).start
