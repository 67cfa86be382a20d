"""``/staff/audit/everywhere`` and ``/api/audit/everywhere``: every service's audit entries on
one page for admins (as told on vod.audit), with the filters and paging of ``/staff/audit``
and a column naming the service whose log holds each entry."""
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from vod_shared.audit_log import (
    PAGE_SIZE,
    AuditEverywhereOut,
    ServiceAuditEntryOut,
    page_count,
)
from vod_shared.staff import StaffMember
from vod_shared.staff.workspace import workspace
from vod_shared.topics import SERVICES

from screening.entrypoints.access import READ_AUDIT, caller, guard
from screening.entrypoints.rendering import render
from screening.service_layer.desk import ScreeningDesk

CaseId = Annotated[str | None, Query(max_length=64)]
Username = Annotated[str | None, Query(max_length=64)]
Service = Annotated[str | None, Query(pattern="^(" + "|".join(SERVICES) + ")?$",
                                      description="only this service's entries")]


def audit_everywhere_routers(desk: ScreeningDesk) -> list[APIRouter]:
    member = Annotated[StaffMember, Depends(guard(desk, *READ_AUDIT, action="audit.read"))]
    pages = APIRouter(prefix="/staff", tags=["screening staff pages"],
                      default_response_class=HTMLResponse)
    api = APIRouter(prefix="/api", tags=["screening staff API"])

    @pages.get("/audit/everywhere", summary="Every service's audit log together (HTML, admins)")
    async def page(request: Request, staff: member, case_id: CaseId = None,
                   username: Username = None, service: Service = None,
                   page: Annotated[int, Query(ge=1, le=10_000)] = 1):
        total, entries = await desk.audit_everywhere(
            caller(request, staff), case_id=case_id or None, username=username or None,
            service=service or None, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        return render(request, "audit_everywhere.html", staff=staff, total=total,
                      entries=entries, audit_links=workspace(request).audit_links(request),
                      case_id=case_id or "", username=username or "", service=service or "",
                      services=SERVICES, page=page, pages=page_count(total))

    @api.get("/audit/everywhere", response_model=AuditEverywhereOut,
             summary="Every service's audit log together, newest first (admins)")
    async def entries(request: Request, staff: member, case_id: CaseId = None,
                      username: Username = None, service: Service = None,
                      limit: Annotated[int, Query(ge=1, le=1000)] = 200,
                      offset: Annotated[int, Query(ge=0)] = 0) -> AuditEverywhereOut:
        total, found = await desk.audit_everywhere(
            caller(request, staff), case_id=case_id or None, username=username or None,
            service=service or None, limit=limit, offset=offset)
        return AuditEverywhereOut(count=total, items=[
            ServiceAuditEntryOut(**{k: v for k, v in e.__dict__.items() if k != "version"})
            for e in found])

    return [pages, api]
