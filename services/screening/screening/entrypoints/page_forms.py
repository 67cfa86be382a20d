"""The decision forms on the case page: checked with the API's models, refused with a message
beside each field, kept as typed; on success, back to the case page (post/redirect/get)."""
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ValidationError

from vod_shared.staff import StaffMember
from vod_shared.staff.auth import staff_auth
from vod_shared.staff.staff_pages import error_page

from screening.domain import commands
from screening.domain.errors import InvalidDecision, NotNow
from screening.entrypoints.access import DECIDE, caller, guard
from screening.entrypoints.duplicate_schemas import DuplicateDecisionIn
from screening.entrypoints.pages import case_page
from screening.entrypoints.staff_schemas import (
    ClearanceDenyIn,
    ClearanceGrantIn,
    ClearanceRequestIn,
    EligibilityDecisionIn,
    ScreeningDecisionIn,
)
from screening.service_layer.desk import ScreeningDesk

MESSAGES = {
    "outcome": "Choose one.",
    "reason": "Choose a reason.",
    "facility_code": "A facility code: letters and digits, such as SQ.",
    "offender_consents": "Answer yes or no.",
    "offender_acknowledges_responsibility": "Answer yes or no.",
    "safety_concerns": "Answer yes or no.",
    "victim_ready": "Answer yes or no.",
    "visitor": "Choose a visitor.",
    "visitor_id": "Choose a visitor.",
    "visitor_role": "Choose a visitor.",
    "expires_on": "Give the last day it holds, as a date (YYYY-MM-DD).",
    "decision": "Choose: the same requester, or different requesters.",
    "other_case_id": "Say which case it may duplicate.",
}


class FormRefused(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("form refused")
        self.errors = errors


def checked(model: type[BaseModel], values: dict) -> BaseModel:
    try:
        return model.model_validate({k: v for k, v in values.items() if v != ""})
    except ValidationError as exc:
        fields = [str(e["loc"][0]) if e["loc"] else "form" for e in exc.errors()]
        raise FormRefused({f: MESSAGES.get(f, "Please check this.") for f in fields}) from None


def page_forms_router(desk: ScreeningDesk, clock) -> APIRouter:
    router = APIRouter(prefix="/staff/cases/{case_id}", tags=["screening staff pages"],
                       default_response_class=HTMLResponse)

    async def submit(request: Request, staff: StaffMember, case_id: str, form: str, act):
        """Reads the form, checks its token, runs ``act(values)``; a refusal shows the case
        page again with the messages, anything else goes back to it."""
        posted = await request.form()
        values = {k: v.strip() for k, v in posted.items() if isinstance(v, str)}
        if not staff_auth(request).csrf_ok(request, values.pop("csrf_token", None)):
            return error_page(request, 403, "The form has expired",
                              "Go back, reload the page and try again.")
        try:
            done = await act(values)
        except FormRefused as exc:
            errors = exc.errors
        except InvalidDecision as exc:
            errors = {exc.field: exc.detail}
        except NotNow as exc:
            errors = {"form": str(exc)}
        else:
            return RedirectResponse(f"/staff/cases/{case_id}?done={done}", status_code=303)
        view = await desk.case(case_id, staff, caller(request, staff))
        return case_page(request, desk, view, staff, clock, status_code=422, form=form,
                         errors=errors, values=values)

    def decider(action: str):
        return Annotated[StaffMember, Depends(guard(desk, *DECIDE, action=action))]

    @router.post("/eligibility", summary="Decide a case that needs review (HTML form)")
    async def eligibility(case_id: str, request: Request, staff: decider("eligibility.decide")):
        async def act(values: dict) -> str:
            body = checked(EligibilityDecisionIn, values)
            await desk.resolve_review(body.to_command(case_id), caller(request, staff))
            return "eligibility"
        return await submit(request, staff, case_id, "eligibility", act)

    @router.post("/screening", summary="Record the suitability screening (HTML form)")
    async def screening(case_id: str, request: Request, staff: decider("screening.complete")):
        async def act(values: dict) -> str:
            body = checked(ScreeningDecisionIn, values)
            await desk.complete_screening(body.to_command(case_id), caller(request, staff))
            return "screening"
        return await submit(request, staff, case_id, "screening", act)

    @router.post("/duplicate", summary="Decide a possible duplicate (HTML form)")
    async def duplicate(case_id: str, request: Request, staff: decider("duplicate.resolve")):
        async def act(values: dict) -> str:
            body = checked(DuplicateDecisionIn, values)
            await desk.resolve_duplicate(body.to_command(case_id), caller(request, staff))
            return "duplicate"
        return await submit(request, staff, case_id, "duplicate", act)

    @router.post("/clearances", summary="Request gate clearance (HTML form)")
    async def request_clearance(case_id: str, request: Request,
                                staff: decider("clearance.request")):
        async def act(values: dict) -> str:
            role, _, visitor_id = values.pop("visitor", "").partition(":")
            body = checked(ClearanceRequestIn, {**values, "visitor_role": role,
                                                "visitor_id": visitor_id})
            await desk.request_clearance(body.to_command(case_id), caller(request, staff))
            return "requested"
        return await submit(request, staff, case_id, "request", act)

    @router.post("/clearances/{clearance_id}/grant", summary="Grant a clearance (HTML form)")
    async def grant(case_id: str, clearance_id: str, request: Request,
                    staff: decider("clearance.grant")):
        async def act(values: dict) -> str:
            body = checked(ClearanceGrantIn, values)
            await desk.grant_clearance(commands.GrantClearance(case_id, clearance_id,
                                                               body.expires_on),
                                       caller(request, staff))
            return "granted"
        return await submit(request, staff, case_id, f"grant-{clearance_id}", act)

    @router.post("/clearances/{clearance_id}/deny", summary="Deny a clearance (HTML form)")
    async def deny(case_id: str, clearance_id: str, request: Request,
                   staff: decider("clearance.deny")):
        async def act(values: dict) -> str:
            body = checked(ClearanceDenyIn, values)
            await desk.deny_clearance(commands.DenyClearance(case_id, clearance_id, body.reason),
                                      caller(request, staff))
            return "denied"
        return await submit(request, staff, case_id, f"deny-{clearance_id}", act)

    return router
