"""Who may call what, and the audit of every refused attempt.

Every staff route takes ``guard(...)``: not signed in -> 401 (``/api/``) or a redirect to sign
in (``/staff/``); signed in without a role it needs -> 403. The sign-in itself, and the shared
rule that a change through the API comes as JSON or with the CSRF token, are
``current_staff``'s. Every refusal is written to the audit log with the caller's address.
Which cases a facilitator sees is the desk's to decide (404).
"""
from fastapi import Request, Security
from fastapi.security import APIKeyCookie

from vod_shared.problems import Problem
from vod_shared.staff import Role, SignInRequired, StaffMember, current_staff
from vod_shared.staff.sessions import COOKIE_NAME

from screening.domain.audit import Outcome
from screening.service_layer.desk import ScreeningDesk
from screening.service_layer.views import Caller

SEE_CASES = (Role.INTAKE, Role.SCREENER, Role.COORDINATOR, Role.FACILITATOR, Role.ADMIN)
SEE_QUEUE = (Role.INTAKE, Role.SCREENER, Role.COORDINATOR, Role.ADMIN)
DECIDE = (Role.SCREENER,)
READ_AUDIT = (Role.ADMIN,)

_session_cookie = APIKeyCookie(name=COOKIE_NAME, scheme_name="staff_session", auto_error=False,
                               description="The staff session; sign in at /staff/login")


class Forbidden(Exception):
    """Signed in, without a role this needs (403)."""

    def __init__(self, roles: tuple[Role, ...]) -> None:
        super().__init__(" or ".join(role.value for role in roles))
        self.roles = roles


def caller(request: Request, member: StaffMember | None) -> Caller:
    return Caller(member.username if member else None,
                  request.client.host if request.client else "unknown",
                  request.method, request.url.path)


def guard(desk: ScreeningDesk, *roles: Role, action: str):
    """A dependency admitting a signed-in member with one of ``roles``."""
    async def member_with_role(request: Request,
                               token: str | None = Security(_session_cookie)) -> StaffMember:
        case_id = request.path_params.get("case_id")
        try:
            member = await current_staff(request, token)
        except (SignInRequired, Problem) as refusal:
            signed_in = getattr(request.state, "staff_member", None)
            outcome = (Outcome.REFUSED_UNAUTHENTICATED if signed_in is None
                       else Outcome.REFUSED_INVALID)
            await desk.record(caller(request, signed_in), action, outcome, case_id=case_id,
                              detail=getattr(refusal, "title", None))
            raise
        if not member.has_any_role(*roles):
            await desk.record(caller(request, member), action, Outcome.REFUSED_ROLE,
                              case_id=case_id)
            raise Forbidden(roles)
        return member

    return member_with_role
