"""``/staff/``: screening's pages, rendered on the server; every one works without JavaScript."""
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from vod_shared.events import VisitorRole
from vod_shared.staff import Role, StaffMember
from vod_shared.staff.workspace import workspace

from screening.domain import clearances, review, suitability
from screening.domain.stages import Stage, describe_wait
from screening.entrypoints.access import READ_AUDIT, SEE_CASES, SEE_QUEUE, caller, guard
from screening.entrypoints.rendering import render
from screening.service_layer.desk import ScreeningDesk
from screening.service_layer.views import QueueFilters

DONE = {
    "eligibility": "Eligibility decided and announced.",
    "screening": "Suitability screening recorded and announced.",
    "requested": "Gate clearance requested.",
    "granted": "Gate clearance granted and announced.",
    "denied": "Gate clearance denied and announced.",
    "duplicate": "Decision on the possible duplicate recorded and announced.",
}
STAGE_WORDS = {Stage.NEEDS_REVIEW: "A decision by hand",
               Stage.AWAITING_SCREENING: "Suitability screening"}
# The queue's "waiting for" also takes this: cases with a possible duplicate to decide.
POSSIBLE_DUPLICATE = "possible_duplicate"
CHOICES = {"eligible_because": review.ELIGIBLE_BECAUSE,
           "ineligible_because": review.INELIGIBLE_BECAUSE,
           "screening_reasons": suitability.REASONS,
           "denial_reasons": clearances.DENIAL_REASONS,
           "stage_words": STAGE_WORDS, "possible_duplicate": POSSIBLE_DUPLICATE}


def case_page(request: Request, desk: ScreeningDesk, view, staff: StaffMember, clock, *,
              status_code: int = 200, form: str | None = None, errors=None, values=None):
    today = clock().date()
    return render(request, "case.html", staff=staff, status_code=status_code, view=view,
                  case=view.case, today=today, done=DONE.get(request.query_params.get("done")),
                  form=form, errors=errors or {}, values=values or {},
                  roles=VisitorRole, **CHOICES,
                  case_links=workspace(request).case_links(request, staff, view.case.case_id))


def pages_router(desk: ScreeningDesk, clock) -> APIRouter:
    router = APIRouter(prefix="/staff", tags=["screening staff pages"],
                       default_response_class=HTMLResponse)

    def member(roles, action: str):
        return Annotated[StaffMember, Depends(guard(desk, *roles, action=action))]

    @router.get("/", summary="Staff home: the queue, a facilitator's own cases, or the reports")
    async def home(staff: member((*SEE_CASES, Role.DIRECTOR), "home")):
        if not staff.has_any_role(*SEE_CASES):  # a director reads the figures, never a case
            return RedirectResponse("/staff/reports", status_code=303)
        mine = staff.has_any_role(Role.FACILITATOR) and not staff.has_any_role(*SEE_QUEUE)
        return RedirectResponse("/staff/cases" if mine else "/staff/queue", status_code=303)

    @router.get("/queue", summary="The work queue (HTML)")
    async def queue(request: Request, staff: member(SEE_QUEUE, "queue.read"),
                    stage: str = "", facility: str = "", q: str = "",
                    include_paused: str = ""):
        # A page takes what a link or a form sends; anything odd is simply no filter.
        chosen = next((s for s in STAGE_WORDS if s.value == stage), None)
        filters = QueueFilters(chosen, facility[:16] or None, q[:32] or None,
                               include_paused == "true",
                               possible_duplicate=stage == POSSIBLE_DUPLICATE)
        page = await desk.queue(filters)
        return render(request, "queue.html", staff=staff, page=page, filters=filters,
                      now=clock(), describe_wait=describe_wait, **CHOICES)

    @router.get("/cases", summary="A facilitator's own cases (HTML)")
    async def my_cases(request: Request, staff: member(SEE_CASES, "cases.read")):
        return render(request, "my_cases.html", staff=staff, now=clock(),
                      entries=await desk.my_cases(staff), describe_wait=describe_wait)

    @router.get("/cases/{case_id}", summary="A case and its timeline (HTML)")
    async def case(case_id: str, request: Request, staff: member(SEE_CASES, "case.read")):
        view = await desk.case(case_id, staff, caller(request, staff))
        return case_page(request, desk, view, staff, clock)

    @router.get("/clearances", summary="Gate clearances expiring within 30 days (HTML)")
    async def expiring(request: Request, staff: member(SEE_QUEUE, "clearances.read")):
        return render(request, "clearances.html", staff=staff, today=clock().date(),
                      items=await desk.expiring_clearances(), roles=VisitorRole)

    @router.get("/audit", summary="The audit log (HTML, admins)")
    async def audit(request: Request, staff: member(READ_AUDIT, "audit.read"),
                    case_id: Annotated[str | None, Query(max_length=64)] = None,
                    username: Annotated[str | None, Query(max_length=64)] = None,
                    page: Annotated[int, Query(ge=1, le=10_000)] = 1):
        size = 100
        total, entries = await desk.audit_log(caller(request, staff), case_id=case_id or None,
                                              username=username or None, limit=size,
                                              offset=(page - 1) * size)
        return render(request, "audit.html", staff=staff, total=total, entries=entries,
                      audit_links=workspace(request).audit_links(request),
                      case_id=case_id or "", username=username or "", page=page,
                      pages=max(1, -(-total // size)))

    return router
