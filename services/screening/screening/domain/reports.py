"""The program's case figures for a period, counted from the case timeline's codes.

The rules, the same on the page and in the CSV:
- a period is whole days in the program's time zone, ``first`` to ``last`` inclusive;
- a request counts in the month of the case's first request; a case counts once in any table
  (its last eligibility or screening outcome in the period, its first withdrawal);
- the time to a stage runs from the case's first request to the first time the case reached the
  stage, for cases that reached it in the period; the figure is the median, in days.
"""
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from vod_shared.periods import Period

REQUEST = "RequestReceived"
ELIGIBILITY = "EligibilityDetermined"
SCREENING = "ScreeningCompleted"
ASSIGNED = "FacilitatorAssigned"
HELD = "SessionCompleted"
WITHDRAWN = "CaseWithdrawn"
CLOSED = "CaseClosed"
SURVEY = "SurveyDue"
KINDS = (REQUEST, ELIGIBILITY, SCREENING, ASSIGNED, HELD, WITHDRAWN, CLOSED, SURVEY)
# The stages whose time from the request the report shows, in the order a case reaches them.
STAGES = {ELIGIBILITY: "Eligibility decided", SCREENING: "Suitability screening done",
          ASSIGNED: "Facilitators assigned", HELD: "Dialogue held"}
NO_REASON = "none_given"


@dataclass(frozen=True)
class Line:
    """One timeline line as the reports see it: which case, what kind of event, when, its code."""
    case_id: str
    kind: str
    at: datetime
    code: str | None = None


@dataclass(frozen=True)
class StageTime:
    stage: str
    cases: int
    median_days: float | None


@dataclass(frozen=True)
class CaseFigures:
    period: Period
    requests_by_month: list[tuple[str, int]]
    eligibility: dict[str, int]
    screening: dict[str, int]
    stage_times: list[StageTime]
    dialogues_held: int
    withdrawals: dict[str, int]
    closures: dict[str, int]
    surveys_due: dict[str, int]

    @property
    def requests(self) -> int:
        return sum(count for _, count in self.requests_by_month)


def _firsts(lines: list[Line], kind: str) -> dict[str, Line]:
    firsts: dict[str, Line] = {}
    for line in sorted((ln for ln in lines if ln.kind == kind), key=lambda ln: ln.at):
        firsts.setdefault(line.case_id, line)
    return firsts


def _lasts_in(lines: list[Line], kind: str, period: Period) -> dict[str, Line]:
    lasts: dict[str, Line] = {}
    for line in sorted((ln for ln in lines if ln.kind == kind), key=lambda ln: ln.at):
        if period.holds(line.at):
            lasts[line.case_id] = line
    return lasts


def _tally(chosen: dict[str, Line]) -> dict[str, int]:
    return dict(sorted(Counter(line.code or NO_REASON for line in chosen.values()).items()))


def _stage_time(kind: str, requests: dict[str, Line], lines: list[Line],
                period: Period) -> StageTime:
    days = [(line.at - requests[case_id].at).total_seconds() / 86400
            for case_id, line in _firsts(lines, kind).items()
            if period.holds(line.at) and case_id in requests
            and requests[case_id].at <= line.at]
    return StageTime(STAGES[kind], len(days), round(median(days), 1) if days else None)


def case_figures(lines: list[Line], period: Period) -> CaseFigures:
    """The period's figures from the lines of every case (lines after the period are ignored;
    lines before it give each case's first request)."""
    requests = _firsts(lines, REQUEST)
    by_month = Counter(line.at.astimezone(period.zone).strftime("%Y-%m")
                       for line in requests.values() if period.holds(line.at))
    withdrawn = {case_id: line for case_id, line in _firsts(lines, WITHDRAWN).items()
                 if period.holds(line.at)}
    closed = {case_id: line for case_id, line in _firsts(lines, CLOSED).items()
              if period.holds(line.at)}
    surveys = Counter(line.code or NO_REASON for line in lines
                      if line.kind == SURVEY and period.holds(line.at))
    held = {line.case_id for line in lines if line.kind == HELD and period.holds(line.at)}
    return CaseFigures(
        period=period,
        requests_by_month=[(month, by_month.get(month, 0)) for month in period.months()],
        eligibility=_tally(_lasts_in(lines, ELIGIBILITY, period)),
        screening=_tally(_lasts_in(lines, SCREENING, period)),
        stage_times=[_stage_time(kind, requests, lines, period) for kind in STAGES],
        dialogues_held=len(held),
        withdrawals=_tally(withdrawn), closures=_tally(closed),
        surveys_due=dict(sorted(surveys.items())))
