"""Staff taking a request by phone, or acting for a victim who asked them to.

Creates exactly what the webhook and the public page create, through the same validation and
handlers; only the source (``phone``) and who acted (``staff_for_victim``) differ.
"""
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from vod_shared.events import ActedBy, RequestSource
from vod_shared.problems import Problem
from vod_shared.staff import Role, StaffMember, require_roles

from intake.domain.commands import ChangeCase, ErasedVia, ErasePerson, ErasureReason
from intake.service_layer import handlers
from intake.entrypoints.schemas import IntakeWebhookIn, WebhookAccepted, to_command
from intake.entrypoints.staff_audit import audited

TAKES_REQUESTS = require_roles(Role.INTAKE, Role.ADMIN)
ERASES = require_roles(Role.ADMIN)
ACTS_FOR_VICTIMS = require_roles(Role.INTAKE, Role.COORDINATOR, Role.ADMIN)


class CaseStepIn(BaseModel):
    # Staff wording kept short and factual; the victim's own reasons are never required. It is
    # kept in intake's store, sealed; the event carries no reason for a step taken for her.
    reason: str | None = Field(None, max_length=200)


class ErasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: ErasureReason


class ErasureOut(BaseModel):
    person_id: str
    status: str = "erasing"


class CaseStepOut(BaseModel):
    case_id: str
    reference: str
    status: str


def staff_router(*, intake, desk) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["staff"])

    @router.post("/requests", status_code=202, response_model=WebhookAccepted,
                 summary="A request or registration taken by phone")
    async def take_request(payload: IntakeWebhookIn, request: Request,
                           staff: Annotated[StaffMember, Depends(TAKES_REQUESTS)]) -> JSONResponse:
        async def take(audit):
            return await intake.handle(to_command(payload, source=RequestSource.PHONE),
                                       audit=audit)
        accepted = await audited(desk, request, staff, "request.phone", take)
        return JSONResponse(accepted.body, status_code=accepted.status_code)

    @router.post("/people/{person_id}/erase", status_code=202, response_model=ErasureOut,
                 summary="Erase a person's details everywhere (admin; PersonErased follows)")
    async def erase_person(person_id: str, body: ErasureIn, request: Request,
                           staff: Annotated[StaffMember, Depends(ERASES)]) -> ErasureOut:
        command = ErasePerson(person_id=person_id, reason=body.reason, by=staff.username,
                              via=ErasedVia.STAFF_API)
        await audited(desk, request, staff, "person.erase",
                      lambda audit: intake.handle(command, audit=audit),
                      detail=f"{person_id} {body.reason.value}")
        return ErasureOut(person_id=person_id)

    @router.post("/cases/{case_id}/erase-requester", status_code=202, response_model=ErasureOut,
                 summary="Erase the details of a case's requester (admin; the case stays)")
    async def erase_requester(case_id: str, body: ErasureIn, request: Request,
                              staff: Annotated[StaffMember, Depends(ERASES)]) -> ErasureOut:
        async def erase(audit):
            async with intake.runtime.uow() as uow:
                person_id = await handlers.requester_of(case_id, uow)
            await intake.handle(ErasePerson(person_id=person_id, reason=body.reason,
                                            by=staff.username, via=ErasedVia.STAFF_API),
                                audit=audit)
            return person_id
        person_id = await audited(desk, request, staff, "requester.erase", erase,
                                  case_id=case_id, detail=body.reason.value)
        return ErasureOut(person_id=person_id)

    @router.post("/cases/{case_id}/{action}", response_model=CaseStepOut,
                 summary="Pause, resume or withdraw a case for the victim, at their request")
    async def act_for_victim(case_id: str, action: str, request: Request,
                             staff: Annotated[StaffMember, Depends(ACTS_FOR_VICTIMS)],
                             step: Annotated[CaseStepIn, Body()] = CaseStepIn()) -> CaseStepOut:
        if action not in ("pause", "resume", "withdraw"):
            raise Problem(404, "No such action", "Use pause, resume or withdraw.")
        case = await audited(desk, request, staff, f"case.{action}", lambda audit: intake.handle(
            ChangeCase(case_id=case_id, action=action, by=ActedBy.STAFF_FOR_VICTIM,
                       note=step.reason, author=staff.username), audit=audit), case_id=case_id)
        return CaseStepOut(case_id=case.case_id, reference=case.reference, status=case.status)

    return router
