"""FastAPI dependencies that guard staff routes.

    @router.get("/api/cases/{case_id}")
    async def read_case(case_id: str, staff: StaffMember = Depends(require_roles("screener"))): ...
"""
from collections.abc import Awaitable, Callable

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyCookie

from vod_shared.problems import Problem
from vod_shared.staff import csrf
from vod_shared.staff.auth import staff_auth
from vod_shared.staff.model import Role, StaffMember
from vod_shared.staff.sessions import COOKIE_NAME

_session_cookie = APIKeyCookie(name=COOKIE_NAME, scheme_name="staff_session", auto_error=False,
                               description="The staff session; sign in at /staff/login")


async def current_staff(request: Request,
                        token: str | None = Security(_session_cookie)) -> StaffMember:
    """The signed-in staff member; else 401 (``/api/...``) or a redirect to sign in (pages)."""
    auth = staff_auth(request)
    member = await auth.resume(request, token)
    if member is None:
        raise auth.sign_in_required(request)
    if request.method not in _SAFE_METHODS and request.url.path.startswith("/api/"):
        _refuse_cross_site_api_call(request, auth)
    return member


_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _refuse_cross_site_api_call(request: Request, auth) -> None:
    """A change through the JSON API must come as JSON (a page on another site cannot send
    that without the browser asking us first) or carry the CSRF token; a bare form post or an
    empty POST riding on the session cookie is refused."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        return
    if auth.csrf_ok(request, request.headers.get(csrf.HEADER_NAME)):
        return
    raise Problem(403, "Send JSON", "Changes through the staff API must be sent as "
                  "application/json, or with the X-CSRF-Token header.")


def require_roles(*roles: Role | str) -> Callable[..., Awaitable[StaffMember]]:
    """A dependency admitting a signed-in member who has at least one of ``roles`` (else 403)."""
    if not roles:
        raise ValueError("require_roles needs at least one role")
    wanted = tuple(Role(role) for role in roles)  # a misspelt role fails at import, not at 403

    async def member_with_role(member: StaffMember = Depends(current_staff)) -> StaffMember:
        if not member.has_any_role(*wanted):
            raise Problem(403, "Not allowed",
                          f"This needs the role {' or '.join(role.value for role in wanted)}.")
        return member

    return member_with_role


def csrf_token(request: Request) -> str:
    """The CSRF token to put in a form (field ``csrf_token``) or the ``X-CSRF-Token`` header."""
    return staff_auth(request).csrf_token(request)


async def require_csrf(request: Request) -> None:
    """For a state-changing form or call from a page: 403 unless the CSRF token matches."""
    token = request.headers.get(csrf.HEADER_NAME)
    if token is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(csrf.FIELD_NAME)
        token = value if isinstance(value, str) else None
    if not staff_auth(request).csrf_ok(request, token):
        raise Problem(403, "The form has expired", "Reload the page and try again.")
