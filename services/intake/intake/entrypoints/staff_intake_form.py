"""``/staff/requests/new``: a request or registration taken by phone, as a page (the same
checks and handlers as the webhook and ``POST /api/requests``; the source is ``phone``). Every
problem is shown at once beside its field, what was typed kept; on success, the case's page
(post/redirect/get)."""
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from vod_shared.events import Channel, CustodyNoticeKind, Relationship, RequestSource
from vod_shared.problems import Problem
from vod_shared.staff import Role, StaffMember, require_csrf, require_roles
from vod_shared.staff.staff_pages import environment, render_page

from intake.entrypoints.staff_audit import audited
from intake.domain.errors import InvalidRequest
from intake.entrypoints.schemas import IntakeWebhookIn, to_command

_templates = environment(Path(__file__).parent / "staff_templates")
TakesRequests = Annotated[StaffMember, Depends(require_roles(Role.INTAKE, Role.ADMIN))]
CHOICES = {"relationships": [r.value for r in Relationship],
           "channels": [c.value for c in Channel],
           "notices": [k.value for k in CustodyNoticeKind]}
TEXT_FIELDS = ("given_name", "family_name", "email", "phone", "state", "cdcr_number",
               "offender_given_name", "offender_family_name", "notes")
# Where a checked field shows its message (the wire format's names -> the form's).
FORM_FIELD = {"requester.given_name": "given_name", "requester.family_name": "family_name",
              "requester.relationship": "relationship", "requester.email": "email",
              "requester.phone": "phone", "requester.preferred_language": "preferred_language",
              "requester.preferred_channel": "preferred_channel", "requester.state": "state",
              "offender.cdcr_number": "cdcr_number", "notes": "notes", "notify_on": "notify_on"}


def payload(values: dict, notify_on: list[str]) -> dict:
    """The form as the webhook's wire format; a field left empty is not given."""
    given = {k: v for k, v in values.items() if v}
    body = {"kind": given.get("kind", "dialogue_request"),
            "requester": {k: given.get(k) for k in (
                "given_name", "family_name", "relationship", "email", "phone",
                "preferred_language", "preferred_channel", "state")},
            "offender": {"cdcr_number": given.get("cdcr_number", ""),
                         "given_name": given.get("offender_given_name"),
                         "family_name": given.get("offender_family_name")},
            "notes": given.get("notes")}
    if body["kind"] == "custody_notification_registration":
        body["notify_on"] = notify_on
    return body


def _messages(errors: list[dict]) -> dict[str, str]:
    shown = {}
    for error in errors:
        where = ".".join(str(p) for p in error.get("loc", ()) if not isinstance(p, int))
        field = FORM_FIELD.get(where) or FORM_FIELD.get(error.get("field") or "", "form")
        shown.setdefault(field, error.get("msg") or error.get("detail") or "Please check this.")
    return shown


def intake_form_router(*, intake, desk) -> APIRouter:
    router = APIRouter(prefix="/staff/requests", include_in_schema=False,
                       default_response_class=HTMLResponse)

    def form_page(request, staff, *, values=None, errors=None, status_code=200):
        return render_page(request, _templates, "phone_form.html", staff=staff,
                           status_code=status_code, values=values or {}, errors=errors or {},
                           **CHOICES)

    async def signed_in_then_csrf(request: Request, staff: TakesRequests) -> None:
        await require_csrf(request)

    @router.get("/new")
    async def new(request: Request, staff: TakesRequests):
        return form_page(request, staff, values={"preferred_language": "en",
                                                 "preferred_channel": "sms"})

    @router.post("", dependencies=[Depends(signed_in_then_csrf)])
    async def take(request: Request, staff: TakesRequests):
        posted = await request.form()
        values = {k: str(posted.get(k) or "").strip()[:4000] for k in (
            *TEXT_FIELDS, "kind", "relationship", "preferred_language", "preferred_channel")}
        notify_on = [str(v) for v in posted.getlist("notify_on")]
        try:
            command = to_command(IntakeWebhookIn.model_validate(payload(values, notify_on)),
                                 source=RequestSource.PHONE)
            accepted = await audited(desk, request, staff, "request.phone",
                                     lambda audit: intake.handle(command, audit=audit))
        except ValidationError as exc:
            errors = _messages(exc.errors())
        except Problem as exc:
            errors = _messages(exc.errors or [{"field": "form", "detail": exc.detail}])
        except InvalidRequest as exc:
            errors = {FORM_FIELD.get(exc.field, exc.field if exc.field in values else "form"):
                      exc.detail}
        else:
            body = accepted.body
            if body.get("case_id"):
                return RedirectResponse(f"/staff/cases/{body['case_id']}?taken=1",
                                        status_code=303)
            return RedirectResponse("/staff/?registered=1", status_code=303)
        return form_page(request, staff, values={**values, "notify_on": notify_on},
                         errors=errors, status_code=422)

    return router
