"""``/staff/reports`` and ``/staff/reports.csv``: the participant survey's results for a period
(director, admin), from scheduling's own surveys. The table and the CSV are written from the same
rows; no case, no person, only stages, parties and numbers."""
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy import or_, select

from vod_shared.charts import bar_chart
from vod_shared.periods import InvalidPeriod, Period
from vod_shared.report_pages import (
    FirstDay,
    LastDay,
    chosen_period,
    csv_download,
    refused_csv,
)
from vod_shared.staff import Role, StaffMember, require_roles

from scheduling.adapters import orm
from scheduling.adapters.serialization import as_utc, utc
from scheduling.domain.availability import PROGRAM_ZONE as ZONE_NAME
from scheduling.domain.survey_report import SurveyFigures, SurveyLine, survey_figures
from scheduling.domain.surveys import QUESTIONS, SurveyStatus
from scheduling.entrypoints.pages import render

COLUMNS = ("stage", "party", "sent", "answered_of_sent", "response_rate_percent", "answered",
           *(f"median_{q}" for q in QUESTIONS))
READER = require_roles(Role.DIRECTOR, Role.ADMIN)
PROGRAM_ZONE = ZoneInfo(ZONE_NAME)


def rows(figures: list[SurveyFigures]) -> list[list[str]]:
    def shown(value) -> str:
        return "" if value is None else f"{value:g}"
    return [[f.stage, f.party, str(f.sent), str(f.answered_of_sent), shown(f.response_rate),
             str(f.answered), *(shown(f.medians[q]) for q in QUESTIONS)] for f in figures]


async def figures_for(uow: Callable, period: Period) -> list[SurveyFigures]:
    s = orm.surveys.c
    start, end = utc(period.start), utc(period.end)  # stored in UTC (SQLite compares text)
    async with uow() as unit:
        found = (await unit.session.execute(select(
            s.stage, s.party, s.status, s.sent_at, s.answered_at, s.answers).where(or_(
                s.sent_at.between(start, end), s.answered_at.between(start, end))))).all()
    return survey_figures([SurveyLine(r.stage, r.party, SurveyStatus(r.status),
                                      as_utc(r.sent_at), as_utc(r.answered_at), r.answers or {})
                           for r in found], period)


def reports_router(uow: Callable, clock: Callable[[], datetime]) -> APIRouter:
    # ``render`` by keyword only: the pages' renderer takes the request too once the staff
    # workspace gives every page one header.
    router = APIRouter(prefix="/staff", tags=["scheduling staff pages"])
    member = Annotated[StaffMember, Depends(READER)]

    def period_of(first: date | None, last: date | None) -> Period:
        today = clock().astimezone(PROGRAM_ZONE).date()
        return chosen_period(first, last, today=today, zone=PROGRAM_ZONE)

    @router.get("/reports", summary="The participant survey's results for a period (HTML)",
                response_class=HTMLResponse)
    async def reports(request: Request, staff: member,
                      first: FirstDay = None, last: LastDay = None):
        try:
            period = period_of(first, last)
        except InvalidPeriod as error:
            return render(request=request, name="reports.html", status_code=422, staff=staff,
                          error=str(error), first=first, last=last, rows=None)
        figures = await figures_for(uow, period)
        chart = bar_chart("Response rate by stage and party", [
            (f"{f.stage} ({f.party})", f.response_rate) for f in figures
            if f.response_rate is not None], unit=" %")
        return render(request=request, name="reports.html", staff=staff, error=None,
                      first=period.first, last=period.last, columns=COLUMNS, rows=rows(figures),
                      chart=Markup(chart))

    @router.get("/reports.csv", summary="The same figures as CSV", response_class=Response)
    async def reports_csv(staff: member,
                          first: FirstDay = None, last: LastDay = None):
        try:
            period = period_of(first, last)
        except InvalidPeriod as error:
            return refused_csv(error)
        heading = ["period_from", period.first.isoformat(), "period_to", period.last.isoformat()]
        return csv_download(
            [heading, COLUMNS, *rows(await figures_for(uow, period))],
            headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
            filename=f"surveys-{period.first.isoformat()}-{period.last.isoformat()}.csv")

    return router
