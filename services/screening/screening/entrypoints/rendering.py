"""Rendering staff pages (Jinja2, autoescaped), without JavaScript, with a strict policy."""
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from vod_shared.staff import Role, StaffMember
from vod_shared.staff.staff_pages import environment, page_context, security_headers

from screening.domain.timeline import words

STATIC_DIR = Path(__file__).parent / "static"
# Staff see times in the program's zone (the program is California's).
PROGRAM_ZONE = ZoneInfo("America/Los_Angeles")
# Screening's templates first, then the shared ones (the workspace header).
templates = Jinja2Templates(env=environment(Path(__file__).parent / "templates"))


def local(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(PROGRAM_ZONE).strftime("%Y-%m-%d %H:%M %Z")


def day(value: date | None) -> str:
    return value.isoformat() if value else ""


templates.env.filters.update(local=local, day=day, words=words)


def render(request: Request, name: str, *, staff: StaffMember | None, status_code: int = 200,
           **context) -> HTMLResponse:
    nav = staff is not None
    sees_queue = nav and staff.has_any_role(Role.INTAKE, Role.SCREENER, Role.COORDINATOR,
                                            Role.ADMIN)
    shared = page_context(request, staff, local_links(staff))
    response = templates.TemplateResponse(request, name, {
        **shared,
        "is_screener": nav and staff.has_any_role(Role.SCREENER),
        "is_admin": nav and staff.has_any_role(Role.ADMIN),
        "is_facilitator": nav and staff.has_any_role(Role.FACILITATOR),
        "sees_queue": sees_queue,
        **context}, status_code=status_code)
    response.headers.update(security_headers(shared["style_nonce"], styles="'self' "))
    return response


def local_links(staff: StaffMember | None) -> tuple[tuple[str, str], ...]:
    """Screening's own pages, under the workspace header."""
    if staff is None:
        return ()
    # The work queue and the audit log are in the workspace header itself.
    links = [("My cases", "/staff/cases")] if staff.has_any_role(Role.FACILITATOR) else []
    if staff.has_any_role(Role.INTAKE, Role.SCREENER, Role.COORDINATOR, Role.ADMIN):
        links.append(("Clearances expiring", "/staff/clearances"))
    if staff.has_any_role(Role.ADMIN):
        links.append(("Dead letters", "/staff/dead-letters"))
    return tuple(links)
