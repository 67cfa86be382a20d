"""``/staff/cases/{case_id}/support-persons``: the support persons she brings to the dialogue,
as a page in the workspace. The list shows no name; their names and contacts are one click
further (``/details``), each view audited. Staff who act for her add one (every problem shown at
once beside its field) or, at her word, remove one (their details erased everywhere): the same
handlers as the JSON API, each decision audited with it."""
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from vod_shared.events import Channel
from vod_shared.problems import Problem
from vod_shared.staff import Role, StaffMember, require_csrf, require_roles
from vod_shared.staff.staff_pages import environment, render_page
from vod_shared.staff.workspace import workspace

from intake.domain import rules
from intake.domain.commands import AddSupportPerson, RemoveSupportPerson, SupportRelationship
from intake.domain.errors import CaseStepRefused, InvalidRequest, PersonNotFound
from intake.entrypoints.staff_audit import audited
from intake.entrypoints.staff_pages import SEES_INTAKE, audited_reader, caller
from intake.entrypoints.staff_support_persons import SupportPersonIn

_templates = environment(Path(__file__).parent / "staff_templates")
# Those who add or remove one: the JSON API's roles.
ACTS_FOR_HER = (Role.INTAKE, Role.COORDINATOR, Role.ADMIN)
# Those shown their names and contacts: the staff who call her, and coordinators, who arrange
# the dialogue and its gate clearance with them.
READS_THEM = (Role.INTAKE, Role.SCREENER, Role.COORDINATOR)
FIELDS = ("given_name", "family_name", "relationship", "email", "phone", "preferred_language",
          "preferred_channel")
# What each field expects, shown beside it when it is wrong.
EXPECTS = {"given_name": "Write their given name (up to 100 characters).",
           "family_name": "Write their family name (up to 100 characters).",
           "relationship": "Choose who they are to her.",
           "email": "Write an email address such as name@example.org, or leave it empty.",
           "phone": "Write a US number such as (619) 555-0100, or + and the country code, "
                    "or leave it empty.",
           "preferred_language": "Choose English or Spanish.",
           "preferred_channel": "Choose email or text message."}
CHOICES = {"relationships": [r.value for r in SupportRelationship],
           "channels": [c.value for c in Channel]}
Sees = Annotated[StaffMember, Depends(require_roles(*SEES_INTAKE))]
Acts = Annotated[StaffMember, Depends(require_roles(*ACTS_FOR_HER))]


def problems(values: dict[str, str]) -> tuple[SupportPersonIn | None, dict[str, str]]:
    """The form checked as a whole: the person, or every problem at once by field."""
    given = {k: v for k, v in values.items() if v}
    errors: dict[str, str] = {}
    try:
        person = SupportPersonIn.model_validate(given)
    except ValidationError as wrong:
        person = None
        for error in wrong.errors():
            field = str(error["loc"][0]) if error.get("loc") else "form"
            errors.setdefault(field, EXPECTS.get(field, "Please check this."))
    channel = values.get("preferred_channel")
    if channel in CHOICES["channels"]:
        try:
            rules.check_contact_for_channel(Channel(channel), email=given.get("email"),
                                            phone=given.get("phone"))
        except InvalidRequest as missing:
            errors.setdefault(missing.field.removeprefix("requester."), missing.detail)
    return (None if errors else person), errors


def support_page_router(*, intake, desk) -> APIRouter:
    router = APIRouter(prefix="/staff/cases/{case_id}/support-persons", include_in_schema=False,
                       default_response_class=HTMLResponse)
    Reads = Annotated[StaffMember, Depends(audited_reader(
        desk, "support_person.read", READS_THEM, "Support persons' names and contacts are for "
        "the staff who call her and the coordinators: the intake, screener or coordinator role."))]

    async def page(request, staff, case_id, *, values=None, errors=None, status_code=200,
                   added=False, removed=False):
        case = await desk.case(case_id)
        if case is None:
            raise Problem(404, "No such case")
        return render_page(request, _templates, "support_persons.html", staff=staff,
                           status_code=status_code, case=case,
                           supporters=await desk.support_persons(case_id),
                           acts=staff.has_any_role(*ACTS_FOR_HER),
                           reads=staff.has_any_role(*READS_THEM), added=added, removed=removed,
                           values=values or {"preferred_language": "en",
                                             "preferred_channel": "email"},
                           errors=errors or {}, **CHOICES,
                           case_links=workspace(request).case_links(request, staff, case_id))

    async def signed_in_then_csrf(request: Request, staff: Acts) -> None:
        await require_csrf(request)

    @router.get("")
    async def listed(request: Request, case_id: str, staff: Sees, added: str = "",
                     removed: str = ""):
        return await page(request, staff, case_id, added=added == "1", removed=removed == "1")

    @router.get("/details")
    async def details(request: Request, case_id: str, staff: Reads):
        shown = await desk.support_person_details(case_id, caller(request, staff))
        if shown is None:
            raise Problem(404, "No such case")
        return render_page(request, _templates, "support_person_details.html", staff=staff,
                           case=await desk.case(case_id), shown=shown,
                           case_links=workspace(request).case_links(request, staff, case_id))

    @router.post("", dependencies=[Depends(signed_in_then_csrf)])
    async def add(request: Request, case_id: str, staff: Acts):
        if await desk.case(case_id) is None:
            raise Problem(404, "No such case")
        posted = await request.form()
        values = {k: str(posted.get(k) or "").strip()[:300] for k in FIELDS}
        person, errors = problems(values)
        if person is not None:
            command = AddSupportPerson(case_id=case_id, by=staff.username, **person.model_dump())
            try:
                await audited(desk, request, staff, "support_person.add",
                              lambda audit: intake.handle(command, audit=audit), case_id=case_id)
            except CaseStepRefused as refused:
                errors = {"form": str(refused)}
            except InvalidRequest as wrong:
                errors = {wrong.field if wrong.field in FIELDS else "form": wrong.detail}
            else:
                return RedirectResponse(f"/staff/cases/{case_id}/support-persons?added=1",
                                        status_code=303)
        return await page(request, staff, case_id, values=values, errors=errors,
                          status_code=422)

    @router.post("/{person_id}/remove", dependencies=[Depends(signed_in_then_csrf)])
    async def remove(request: Request, case_id: str, person_id: str, staff: Acts):
        command = RemoveSupportPerson(case_id=case_id, person_id=person_id, by=staff.username)
        try:
            await audited(desk, request, staff, "support_person.remove",
                          lambda audit: intake.handle(command, audit=audit), case_id=case_id,
                          detail=person_id)
        except PersonNotFound:
            raise Problem(404, "No such support person on this case") from None
        return RedirectResponse(f"/staff/cases/{case_id}/support-persons?removed=1",
                                status_code=303)

    return router
