"""``/api/``: the staff JSON API, the same actions as the pages, for tools."""
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from vod_shared.audit_log import AuditOut
from vod_shared.staff import StaffMember

from screening.domain import commands
from screening.domain.stages import Stage, stage_of
from screening.entrypoints import presenters
from screening.entrypoints.access import DECIDE, READ_AUDIT, SEE_CASES, SEE_QUEUE, caller, guard
from screening.entrypoints.duplicate_schemas import DuplicateDecisionIn, DuplicateResolvedOut
from screening.entrypoints.staff_schemas import (
    CaseOut,
    ClearanceDenyIn,
    ClearanceGrantIn,
    ClearanceOut,
    ClearanceRequestIn,
    Created,
    EligibilityDecisionIn,
    QueueOut,
    Recorded,
    ScreeningDecisionIn,
)
from screening.service_layer.desk import ScreeningDesk
from screening.service_layer.views import QueueFilters


def api_router(desk: ScreeningDesk, clock) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["screening staff API"])

    def member(roles, action: str):
        return Annotated[StaffMember, Depends(guard(desk, *roles, action=action))]

    def recorded(case) -> Recorded:
        return Recorded(case_id=case.case_id, stage=stage_of(case).value)

    @router.get("/queue", response_model=QueueOut,
                summary="Cases waiting on a screener, oldest first, with how long each waited")
    async def queue(staff: member(SEE_QUEUE, "queue.read"),
                    stage: Annotated[Stage | None, Query()] = None,
                    facility: Annotated[str | None, Query(max_length=16)] = None,
                    q: Annotated[str | None, Query(max_length=32, description="reference or "
                                                   "CDCR number")] = None,
                    include_paused: bool = False,
                    possible_duplicate: Annotated[bool, Query(
                        description="only cases with a possible duplicate to decide")] = False,
                    limit: Annotated[int, Query(ge=1, le=500)] = 100,
                    offset: Annotated[int, Query(ge=0)] = 0) -> QueueOut:
        page = await desk.queue(QueueFilters(stage, facility, q, include_paused, limit, offset,
                                             possible_duplicate=possible_duplicate))
        now = clock()
        return QueueOut(count=page.total,
                        items=[presenters.queue_item(entry, now) for entry in page.entries])

    @router.get("/cases/{case_id}", response_model=CaseOut,
                summary="A case: its state, who is assigned, what it waits on, its timeline")
    async def read_case(case_id: str, request: Request,
                        staff: member(SEE_CASES, "case.read")) -> CaseOut:
        return presenters.case_out(await desk.case(case_id, staff, caller(request, staff)))

    @router.post("/cases/{case_id}/eligibility", response_model=Recorded,
                 summary="Decide by hand a case that needs review (EligibilityDetermined)")
    async def decide_eligibility(case_id: str, body: EligibilityDecisionIn, request: Request,
                                 staff: member(DECIDE, "eligibility.decide")) -> Recorded:
        return recorded(await desk.resolve_review(body.to_command(case_id),
                                                  caller(request, staff)))

    @router.post("/cases/{case_id}/screening", response_model=Recorded,
                 summary="Record the suitability screening (ScreeningCompleted)")
    async def complete_screening(case_id: str, body: ScreeningDecisionIn, request: Request,
                                 staff: member(DECIDE, "screening.complete")) -> Recorded:
        return recorded(await desk.complete_screening(body.to_command(case_id),
                                                      caller(request, staff)))

    @router.post("/cases/{case_id}/duplicate", response_model=DuplicateResolvedOut,
                 summary="Decide a possible duplicate: the same requester as the other case, or "
                         "different requesters (DuplicateResolved)")
    async def resolve_duplicate(case_id: str, body: DuplicateDecisionIn, request: Request,
                                staff: member(DECIDE, "duplicate.resolve")) -> DuplicateResolvedOut:
        return presenters.duplicate_resolved(await desk.resolve_duplicate(
            body.to_command(case_id), caller(request, staff)))

    @router.post("/cases/{case_id}/clearances", response_model=Created, status_code=201,
                 summary="Request gate clearance for one visitor at a facility")
    async def request_clearance(case_id: str, body: ClearanceRequestIn, request: Request,
                                staff: member(DECIDE, "clearance.request")) -> Created:
        clearance_id = await desk.request_clearance(body.to_command(case_id),
                                                    caller(request, staff))
        return Created(clearance_id=clearance_id)

    @router.post("/cases/{case_id}/clearances/{clearance_id}/grant", response_model=Recorded,
                 summary="Grant a clearance until an expiry date (ClearanceGranted)")
    async def grant(case_id: str, clearance_id: str, body: ClearanceGrantIn, request: Request,
                    staff: member(DECIDE, "clearance.grant")) -> Recorded:
        return recorded(await desk.grant_clearance(
            commands.GrantClearance(case_id, clearance_id, body.expires_on),
            caller(request, staff)))

    @router.post("/cases/{case_id}/clearances/{clearance_id}/deny", response_model=Recorded,
                 summary="Deny a clearance, or withdraw a grant, with a reason (ClearanceDenied)")
    async def deny(case_id: str, clearance_id: str, body: ClearanceDenyIn, request: Request,
                   staff: member(DECIDE, "clearance.deny")) -> Recorded:
        return recorded(await desk.deny_clearance(
            commands.DenyClearance(case_id, clearance_id, body.reason), caller(request, staff)))

    @router.get("/clearances/expiring", response_model=list[ClearanceOut],
                summary="Granted clearances expiring within 30 days, soonest first")
    async def expiring(staff: member(SEE_QUEUE, "clearances.read")) -> list[ClearanceOut]:
        return [presenters.clearance_out(item.clearance, item.reference)
                for item in await desk.expiring_clearances()]

    @router.get("/audit", response_model=AuditOut, summary="The audit log, newest first (admins)")
    async def audit(request: Request, staff: member(READ_AUDIT, "audit.read"),
                    case_id: Annotated[str | None, Query(max_length=64)] = None,
                    username: Annotated[str | None, Query(max_length=64)] = None,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
                    offset: Annotated[int, Query(ge=0)] = 0) -> AuditOut:
        total, entries = await desk.audit_log(caller(request, staff), case_id=case_id,
                                              username=username, limit=limit, offset=offset)
        return AuditOut(count=total, items=[presenters.audit_entry(e) for e in entries])

    return router
