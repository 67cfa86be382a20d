"""Rendering staff pages (Jinja2, autoescaped), without JavaScript, with a strict policy."""
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from vod_shared.staff import Role, StaffMember

from screening.domain.timeline import words

STATIC_DIR = Path(__file__).parent / "static"
# Staff see times in the program's zone (the program is California's).
PROGRAM_ZONE = ZoneInfo("America/Los_Angeles")
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
HEADERS = {
    "Cache-Control": "no-store",  # nothing about a victim lingers in a shared computer's cache
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def local(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(PROGRAM_ZONE).strftime("%Y-%m-%d %H:%M %Z")


def day(value: date | None) -> str:
    return value.isoformat() if value else ""


templates.env.filters.update(local=local, day=day, words=words)


def render(request: Request, name: str, *, staff: StaffMember | None, status_code: int = 200,
           **context) -> HTMLResponse:
    from vod_shared.staff import csrf_token

    nav = staff is not None
    response = templates.TemplateResponse(request, name, {
        "staff": staff, "csrf": csrf_token(request) if nav else "",
        "is_screener": nav and staff.has_any_role(Role.SCREENER),
        "is_admin": nav and staff.has_any_role(Role.ADMIN),
        "is_facilitator": nav and staff.has_any_role(Role.FACILITATOR),
        "sees_queue": nav and staff.has_any_role(Role.INTAKE, Role.SCREENER, Role.COORDINATOR,
                                                 Role.ADMIN),
        **context}, status_code=status_code)
    response.headers.update(HEADERS)
    return response
