"""Staff pages with the one header (``workspace``), rendered on the server (Jinja2,
autoescaped, no JavaScript), and the HTML answers to refusals under ``/staff/``: a person at a
browser gets a page with the header, never a JSON problem."""
import secrets
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, select_autoescape
from starlette.exceptions import HTTPException

from vod_shared.problems import Problem, field_errors
from vod_shared.staff.model import StaffMember
from vod_shared.staff.workspace import workspace

_shared = PackageLoader("vod_shared.staff", "templates")
# Staff see times in the program's zone (the program is California's).
PROGRAM_ZONE = ZoneInfo("America/Los_Angeles")
LANGUAGES = {"en": "English", "es": "Spanish"}


def local(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:  # SQLite gives back UTC without its zone
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(PROGRAM_ZONE).strftime("%Y-%m-%d %H:%M %Z")


def environment(*folders: Path) -> Environment:
    """A service's templates first, then the shared ones (``workspace/page.html``, ...)."""
    env = Environment(loader=ChoiceLoader([*(FileSystemLoader(f) for f in folders), _shared]),
                      autoescape=select_autoescape(default=True), auto_reload=False)
    env.filters["local"] = local
    env.globals["languages"] = LANGUAGES
    return env


_errors = environment()


def security_headers(nonce: str, *, styles: str = "") -> dict[str, str]:
    return {
        "Cache-Control": "no-store",  # nothing about a victim lingers in a shared cache
        "Content-Security-Policy": (f"default-src 'none'; style-src {styles}'nonce-{nonce}'; "
                                    "img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                                    "base-uri 'none'"),
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
    }


def page_context(request: Request, staff: StaffMember | None,
                 local_links: tuple[tuple[str, str], ...] = ()) -> dict:
    """The header, the CSRF token for its sign-out forms, and the style nonce."""
    from vod_shared.staff.dependencies import csrf_token

    csrf = csrf_token(request) if staff is not None else ""
    header = workspace(request).header(request, staff, csrf=csrf, local_links=local_links)
    return {"header": header, "csrf": csrf, "staff": staff,
            "style_nonce": secrets.token_urlsafe(16)}


def render_page(request: Request, env: Environment, name: str, *, staff: StaffMember | None,
                status_code: int = 200, local_links: tuple[tuple[str, str], ...] = (),
                **context) -> HTMLResponse:
    shared = page_context(request, staff, local_links)
    html = env.get_template(name).render(**shared, **context)
    return HTMLResponse(html, status_code=status_code,
                        headers=security_headers(shared["style_nonce"]))


def is_staff_page(request: Request) -> bool:
    return request.url.path == "/staff" or request.url.path.startswith("/staff/")


def error_page(request: Request, status: int, title: str, detail: str | None = None,
               headers: dict[str, str] | None = None) -> HTMLResponse:
    member = getattr(request.state, "staff_member", None)
    response = render_page(request, _errors, "workspace/error.html", staff=member,
                           status_code=status, title=title, detail=detail, status=status)
    response.headers.update({k: v for k, v in (headers or {}).items()
                             if k.lower() != "content-type"})
    return response


def install_error_pages(app: FastAPI) -> None:
    """Refusals under ``/staff/`` (401, 403, 404, a route that is not there, ...) as pages with
    the header; everything else keeps the service's own answer (RFC 9457 problems)."""
    on_problem = app.exception_handlers.get(Problem)
    on_http = app.exception_handlers.get(HTTPException)
    on_invalid = app.exception_handlers.get(RequestValidationError)

    async def problem(request: Request, exc: Problem) -> Response:
        if is_staff_page(request) or on_problem is None:
            return error_page(request, exc.status, exc.title, exc.detail, exc.headers)
        return await on_problem(request, exc)

    async def http(request: Request, exc: HTTPException) -> Response:
        if is_staff_page(request) or on_http is None:
            title = HTTPStatus(exc.status_code).phrase
            if exc.status_code == 404:
                title = "Page not found"
            return error_page(request, exc.status_code, title,
                              headers=getattr(exc, "headers", None))
        return await on_http(request, exc)

    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if is_staff_page(request) or on_invalid is None:
            fields = sorted({e["field"] for e in field_errors(exc.errors()) if e["field"]})
            return error_page(request, 422, "The form was not complete",
                              "Go back and check: " + ", ".join(fields).replace("_", " ")
                              if fields else "Go back and check the form.")
        return await on_invalid(request, exc)

    app.add_exception_handler(Problem, problem)
    app.add_exception_handler(HTTPException, http)
    app.add_exception_handler(RequestValidationError, invalid)
