"""``/staff/reports`` and ``/staff/reports.csv``: notices by kind and channel for a period, with
their delivery rate (director, admin). The page's table and the CSV are written from the same
rows, so they cannot disagree; only codes and counts, never a person."""
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

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
from vod_shared.staff import Role, StaffMember, require_roles
from vod_shared.staff.staff_pages import environment, render_page
from vod_shared.zones import PROGRAM_ZONE

from notifications.domain.delivery import Status
from notifications.domain.reports import LoggedNotice, NoticeFigures, notice_figures
from notifications.service_layer.unit_of_work import UnitOfWork

ZONE = ZoneInfo(PROGRAM_ZONE)
COLUMNS = ("kind", "channel", "created", "sent", "failed", "unknown", "not_sent", "waiting",
           "confirmed", "delivery_rate_percent")
HEADERS = {"Cache-Control": "no-store",
           "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
                                      "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
           "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}
templates = environment(Path(__file__).parent / "staff_templates")
require_reader = require_roles(Role.DIRECTOR, Role.ADMIN)


def rows(figures: list[NoticeFigures]) -> list[list[str]]:
    """One row per kind and channel, then the total, in COLUMNS' order."""
    return [[f.kind, f.channel, *(str(n) for n in (f.created, f.sent, f.failed, f.unknown,
                                                   f.not_sent, f.waiting, f.confirmed)),
             "" if f.rate is None else f"{f.rate:g}"] for f in figures]


async def figures_for(uow: Callable[[], UnitOfWork], period: Period) -> list[NoticeFigures]:
    async with uow() as unit:
        found = await unit.deliveries.for_reports(period.start, period.end)
    return notice_figures([LoggedNotice(template, channel, Status(status), created_at,
                                        delivered_at is not None)
                           for template, channel, status, created_at, delivered_at in found],
                          period)


def reports_router(*, uow: Callable[[], UnitOfWork], clock: Callable[[], datetime]) -> APIRouter:
    router = APIRouter(prefix="/staff", tags=["notifications staff pages"])
    member = Annotated[StaffMember, Depends(require_reader)]

    def period_of(first: date | None, last: date | None) -> Period:
        return chosen_period(first, last, today=clock().astimezone(ZONE).date(), zone=ZONE)

    @router.get("/reports", summary="Notices by kind and channel, delivery rate (HTML)",
                response_class=HTMLResponse)
    async def reports(request: Request, staff: member,
                      first: FirstDay = None, last: LastDay = None):
        try:
            period = period_of(first, last)
        except InvalidPeriod as error:
            return _page(request, staff, 422, error=str(error), first=first, last=last)
        figures = await figures_for(uow, period)
        kinds = [f for f in figures if f.kind != "all"]
        chart = bar_chart("Notices sent by kind and channel",
                          [(f"{f.kind} ({f.channel})", f.sent) for f in kinds])
        rates = bar_chart("Delivery rate by kind and channel",
                          [(f"{f.kind} ({f.channel})", f.rate) for f in kinds
                           if f.rate is not None], unit=" %")
        return _page(request, staff, 200, error=None, first=period.first, last=period.last,
                     columns=COLUMNS, rows=rows(figures), chart=Markup(chart),
                     rates=Markup(rates))

    @router.get("/reports.csv", summary="The same figures as CSV", response_class=Response)
    async def reports_csv(staff: member,
                          first: FirstDay = None, last: LastDay = None):
        try:
            period = period_of(first, last)
        except InvalidPeriod as error:
            return refused_csv(error)
        heading = ["period_from", period.first.isoformat(), "period_to", period.last.isoformat()]
        return csv_download(
            [heading, COLUMNS, *rows(await figures_for(uow, period))], headers=HEADERS,
            filename=f"notices-{period.first.isoformat()}-{period.last.isoformat()}.csv")

    return router


def _page(request: Request, staff: StaffMember, status_code: int, **context) -> HTMLResponse:
    return render_page(request, templates, "reports.html", staff=staff, status_code=status_code,
                       **context)
