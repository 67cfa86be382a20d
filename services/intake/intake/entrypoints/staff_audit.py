"""Intake's audit log for admins: ``/api/audit`` (JSON, a period and pages) and ``/staff/audit``
(HTML), linked with the other services' audit pages under the workspace header. Each service
shows its own log: none reads another's database or carries an admin's credentials to another."""
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import AwareDatetime

from vod_shared.audit_log import PAGE_SIZE, AuditEntryOut, AuditOut, page_count, utc_bound
from vod_shared.staff import Role, StaffMember, require_roles
from vod_shared.staff.staff_pages import environment, render_page
from vod_shared.staff.workspace import workspace

from intake.entrypoints.staff_pages import caller
from intake.service_layer.staff_desk import StaffDesk

Admin = Annotated[StaffMember, Depends(require_roles(Role.ADMIN))]
_templates = environment(Path(__file__).parent / "staff_templates")


async def audited(desk: StaffDesk, request: Request, staff: StaffMember, action: str, run, *,
                  case_id: str | None = None, detail: str | None = None):
    """Runs a staff decision, ``run(entry)``, which hands ``entry`` (done) to the handler's unit
    of work: the entry is committed with the decision, or not at all. A decision that fails is
    recorded as failed with the error's name, in a transaction of its own (the error goes on)."""
    entry = desk.entry(caller(request, staff), action, "done", case_id=case_id, detail=detail)
    try:
        return await run(entry)
    except Exception as error:
        await desk.record(caller(request, staff), action, "failed", case_id=case_id,
                          detail=type(error).__name__)
        raise


def audit_router(desk: StaffDesk) -> APIRouter:
    router = APIRouter()

    @router.get("/api/audit", response_model=AuditOut, tags=["staff"],
                summary="The audit log, newest first, in [from, to) (admins)")
    async def audit_api(request: Request, staff: Admin,
                        start: Annotated[AwareDatetime | None, Query(alias="from")] = None,
                        end: Annotated[AwareDatetime | None, Query(alias="to")] = None,
                        case_id: Annotated[str | None, Query(max_length=64)] = None,
                        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
                        offset: Annotated[int, Query(ge=0)] = 0) -> AuditOut:
        total, found = await desk.audit_log(caller(request, staff), start=utc_bound(start),
                                            end=utc_bound(end), case_id=case_id or None,
                                            limit=limit, offset=offset)
        return AuditOut(count=total, items=[AuditEntryOut(**e.__dict__) for e in found])

    @router.get("/staff/audit", include_in_schema=False)
    async def audit_page(request: Request, staff: Admin,
                         case_id: Annotated[str | None, Query(max_length=64)] = None,
                         page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> HTMLResponse:
        total, found = await desk.audit_log(caller(request, staff), case_id=case_id or None,
                                            limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        return render_page(request, _templates, "workspace/audit.html", staff=staff,
                           service_label="intake",
                           audit_links=workspace(request).audit_links(request),
                           entries=found, total=total, case_id=case_id or "", page=page,
                           pages=page_count(total))

    return router
