"""Scheduling's audit log for admins: ``/api/audit`` (JSON, a period and pages) and
``/staff/audit`` (HTML), with links to the other services' audit pages under the same header.
Each service shows its own log: none reads another's database, and none carries an admin's
credentials to another."""
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import AwareDatetime

from vod_shared.audit_log import PAGE_SIZE, AuditEntryOut, AuditOut, page_count, utc_bound
from vod_shared.staff import Role, StaffMember, require_roles
from vod_shared.staff.staff_pages import environment, render_page
from vod_shared.staff.workspace import workspace

ADMINS = require_roles(Role.ADMIN)
Admin = Annotated[StaffMember, Depends(ADMINS)]
_templates = environment(Path(__file__).parent / "templates")


def audit_router(service) -> APIRouter:
    router = APIRouter()

    async def entries(staff, start, end, case_id, limit, offset):
        return await service.audit_log(staff, start=utc_bound(start), end=utc_bound(end),
                                       case_id=case_id or None, limit=limit, offset=offset)

    @router.get("/api/audit", response_model=AuditOut, tags=["scheduling: audit"],
                summary="The audit log, newest first, in [from, to) (admins)")
    async def audit_api(staff: Admin,
                        start: Annotated[AwareDatetime | None, Query(alias="from")] = None,
                        end: Annotated[AwareDatetime | None, Query(alias="to")] = None,
                        case_id: Annotated[str | None, Query(max_length=64)] = None,
                        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
                        offset: Annotated[int, Query(ge=0)] = 0) -> AuditOut:
        total, found = await entries(staff, start, end, case_id, limit, offset)
        return AuditOut(count=total, items=[AuditEntryOut(**e.__dict__) for e in found])

    @router.get("/staff/audit", include_in_schema=False)
    async def audit_page(request: Request, staff: Admin,
                         case_id: Annotated[str | None, Query(max_length=64)] = None,
                         page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> HTMLResponse:
        total, found = await entries(staff, None, None, case_id, PAGE_SIZE,
                                     (page - 1) * PAGE_SIZE)
        return render_page(request, _templates, "audit.html", staff=staff,
                           audit_links=workspace(request).audit_links(request),
                           entries=found, total=total, case_id=case_id or "", page=page,
                           pages=page_count(total))

    return router
