"""``/staff/reports`` and ``/staff/reports.csv``: the case figures for a period (director, admin).

The page's tables and the CSV are written from the same rows, so they cannot disagree.
"""
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from markupsafe import Markup

from vod_shared.charts import bar_chart
from vod_shared.periods import InvalidPeriod, Period
from vod_shared.report_pages import (
    FirstDay,
    LastDay,
    chosen_period,
    csv_download,
    refused_csv,
)
from vod_shared.staff import Role, StaffMember
from vod_shared.staff.workspace import workspace

from screening.domain.reports import CaseFigures
from screening.domain.timeline import words
from screening.entrypoints.access import guard
from screening.entrypoints.rendering import PROGRAM_ZONE, render
from screening.service_layer.desk import ScreeningDesk
from screening.service_layer.reports import figures_for

READ_REPORTS = (Role.DIRECTOR, Role.ADMIN)
# A download of figures: not kept in a shared computer's cache, never sniffed as a page.
CSV_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
SECTIONS = {"requests": "Requests by month", "eligibility": "Eligibility outcomes",
            "screening": "Suitability screening outcomes",
            "stage_days": "Median days from request to stage",
            "stage_cases": "Cases reaching each stage", "dialogues": "Dialogues held",
            "withdrawals": "Withdrawals by reason", "closures": "Cases closed by reason",
            "surveys_due": "Surveys due by stage"}


def rows(figures: CaseFigures) -> list[tuple[str, str, str]]:
    """(section, item, value) for every figure, in the page's order."""
    out = [("requests", month, str(count)) for month, count in figures.requests_by_month]
    out.append(("requests", "total", str(figures.requests)))
    for section, tally in (("eligibility", figures.eligibility),
                           ("screening", figures.screening)):
        out += [(section, code, str(count)) for code, count in tally.items()]
    out += [("stage_days", s.stage, "" if s.median_days is None else f"{s.median_days:g}")
            for s in figures.stage_times]
    out += [("stage_cases", s.stage, str(s.cases)) for s in figures.stage_times]
    out.append(("dialogues", "held", str(figures.dialogues_held)))
    for section, tally in (("withdrawals", figures.withdrawals), ("closures", figures.closures),
                           ("surveys_due", figures.surveys_due)):
        out += [(section, code, str(count)) for code, count in tally.items()]
    return out


def reports_router(desk: ScreeningDesk, uow, clock) -> APIRouter:
    router = APIRouter(prefix="/staff", tags=["screening staff pages"])
    member = Annotated[StaffMember, Depends(guard(desk, *READ_REPORTS, action="reports.read"))]

    def period_of(first: date | None, last: date | None) -> Period:
        today = clock().astimezone(PROGRAM_ZONE).date()
        return chosen_period(first, last, today=today, zone=PROGRAM_ZONE)

    @router.get("/reports", summary="The program's case figures for a period (HTML)",
                response_class=HTMLResponse)
    async def reports(request: Request, staff: member,
                      first: FirstDay = None, last: LastDay = None):
        try:
            period = period_of(first, last)
        except InvalidPeriod as error:
            return render(request, "reports.html", staff=staff, status_code=422,
                          error=str(error), first=first, last=last, figures=None)
        figures = await figures_for(uow, period)
        chosen = f"?from={period.first.isoformat()}&to={period.last.isoformat()}"
        elsewhere = workspace(request)
        others = (("Notices sent and their delivery rate",
                   elsewhere.url("notifications", "/staff/reports" + chosen, request)),
                  ("Survey results", elsewhere.url("scheduling", "/staff/reports" + chosen, request)))
        return render(request, "reports.html", staff=staff, error=None, figures=figures,
                      first=period.first, last=period.last, sections=SECTIONS,
                      grouped=_grouped(rows(figures)), charts=_charts(figures), others=others)

    @router.get("/reports.csv", summary="The same figures as CSV (section, item, value)",
                response_class=Response)
    async def reports_csv(staff: member,
                          first: FirstDay = None, last: LastDay = None):
        try:
            period = period_of(first, last)
        except InvalidPeriod as error:
            return refused_csv(error)
        heading = [["section", "item", "value"], ["period", "from", period.first.isoformat()],
                   ["period", "to", period.last.isoformat()]]
        return csv_download(
            [*heading, *rows(await figures_for(uow, period))], headers=CSV_HEADERS,
            filename=f"case-figures-{period.first.isoformat()}-{period.last.isoformat()}.csv")

    return router


def _grouped(all_rows: list[tuple[str, str, str]]) -> dict[str, list[tuple[str, str]]]:
    grouped: dict[str, list[tuple[str, str]]] = {}
    for section, item, value in all_rows:
        grouped.setdefault(section, []).append((item, value))
    return grouped


def _charts(figures: CaseFigures) -> dict:
    return {section: Markup(chart) for section, chart in {
        "requests": bar_chart("Requests by month", figures.requests_by_month),
        "eligibility": bar_chart("Eligibility outcomes", [
            (words(code), count) for code, count in figures.eligibility.items()]),
        "stage_days": bar_chart("Median days from request to stage", [
            (s.stage, s.median_days) for s in figures.stage_times if s.median_days is not None],
            unit=" d"),
        "withdrawals": bar_chart("Withdrawals by reason", [
            (words(code), count) for code, count in figures.withdrawals.items()]),
    }.items()}
