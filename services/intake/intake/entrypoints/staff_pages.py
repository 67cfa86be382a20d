"""``/staff/``: intake's pages, in the one workspace (its header, its refusals as pages):
requests waiting for confirmation, cases and registrations without personal data; a case's
contact details and notes one click further, for the staff who call her (intake and screener
roles), each view audited, refused tries too."""
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Security
from fastapi.responses import HTMLResponse
from fastapi.security import APIKeyCookie

from vod_shared.problems import Problem
from vod_shared.staff import Role, SignInRequired, StaffMember, current_staff, require_roles
from vod_shared.staff.sessions import COOKIE_NAME
from vod_shared.staff.staff_pages import environment, render_page
from vod_shared.staff.workspace import roles_for, workspace

from intake.service_layer.staff_desk import Caller, StaffDesk

_templates = environment(Path(__file__).parent / "staff_templates")
_cookie = APIKeyCookie(name=COOKIE_NAME, scheme_name="staff_session", auto_error=False)
SEES_INTAKE = roles_for("intake")
# The staff who call her: they see her phone, email and notes (each view audited).
CALLS_HER = (Role.INTAKE, Role.SCREENER)
# Taking a request by phone is for the intake role (and admins), as POST /api/requests is.
TAKES_REQUESTS = (Role.INTAKE, Role.ADMIN)
LOCAL_LINKS = (("Requests and registrations", "/staff/"),
               ("Take a request by phone", "/staff/requests/new"))
Staff = Annotated[StaffMember, Depends(require_roles(*SEES_INTAKE))]


def caller(request: Request, member: StaffMember | None) -> Caller:
    return Caller(member.username if member else None,
                  request.client.host if request.client else "unknown",
                  request.method, request.url.path)


def audited_reader(desk: StaffDesk, action: str, roles: tuple[Role, ...], refusal: str):
    """A signed-in member with one of ``roles``; a refused try at reading is audited too."""
    async def member(request: Request, token: str | None = Security(_cookie)) -> StaffMember:
        case_id = request.path_params.get("case_id")
        try:
            member = await current_staff(request, token)
        except (SignInRequired, Problem):
            await desk.record(caller(request, None), action, "refused_unauthenticated",
                              case_id=case_id)
            raise
        if not member.has_any_role(*roles):
            await desk.record(caller(request, member), action, "refused_role", case_id=case_id)
            raise Problem(403, "Not allowed", refusal)
        return member
    return member


def _calls_her(desk: StaffDesk):
    return audited_reader(desk, "contact.read", CALLS_HER, "Contact details and notes are for "
                          "the staff who call: the intake or screener role.")


def staff_pages_router(desk: StaffDesk) -> APIRouter:
    router = APIRouter(prefix="/staff", include_in_schema=False,
                       default_response_class=HTMLResponse)
    CallsHer = Annotated[StaffMember, Depends(_calls_her(desk))]

    def render(request: Request, name: str, staff: StaffMember, **context) -> HTMLResponse:
        return render_page(request, _templates, name, staff=staff, **context,
                           local_links=LOCAL_LINKS if staff.has_any_role(*TAKES_REQUESTS) else ())

    @router.get("/")
    async def home(request: Request, staff: Staff, registered: str = ""):
        screening_duplicates = workspace(request).url(
            "screening", "/staff/queue?stage=possible_duplicate", request)
        return render(request, "home.html", staff, **await desk.overview(),
                      duplicates=screening_duplicates, registered=registered == "1")

    @router.get("/cases/{case_id}")
    async def case(request: Request, case_id: str, staff: Staff, taken: str = ""):
        found = await desk.case(case_id)
        if found is None:
            raise Problem(404, "No such case")
        return render(request, "case.html", staff, case=found, taken=taken == "1",
                      calls_her=staff.has_any_role(*CALLS_HER),
                      supporters=await desk.support_persons(case_id),
                      case_links=workspace(request).case_links(request, staff, case_id))

    @router.get("/cases/{case_id}/contact")
    async def contact(request: Request, case_id: str, staff: CallsHer):
        shown = await desk.contact(case_id, caller(request, staff))
        if shown is None:
            raise Problem(404, "No such case")
        return render(request, "contact.html", staff, shown=shown, case=shown.case,
                      case_links=workspace(request).case_links(request, staff, case_id))

    return router
