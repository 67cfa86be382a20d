"""Notifications' audit log for admins: ``/api/audit`` (JSON, a period and pages) and
``/staff/audit`` (HTML), linked with the other services' audit pages under the workspace header;
and the entry a staff action or read writes (who, what, from where, the outcome; never a
number or a text). Each service shows its own log: none reads another's database or carries an
admin's credentials to another."""
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import AwareDatetime

from vod_shared.audit_log import PAGE_SIZE, AuditEntryOut, AuditOut, page_count, utc_bound
from vod_shared.staff import Role, StaffMember, require_roles
from vod_shared.staff.staff_pages import environment, render_page
from vod_shared.staff.workspace import workspace

from notifications.adapters.staff_reads import AuditEntry, StaffReads

Admin = Annotated[StaffMember, Depends(require_roles(Role.ADMIN))]
_templates = environment(Path(__file__).parent / "staff_templates")


def entry(request: Request, staff: StaffMember | None, action: str, outcome: str,
          now: datetime, *, detail: str | None = None) -> AuditEntry:
    return AuditEntry(now.astimezone(timezone.utc), staff.username if staff else None, action,
                      outcome, request.client.host if request.client else "unknown",
                      request.method, request.url.path, detail)


async def record(uow: Callable, audit: AuditEntry) -> None:
    """An entry in a transaction of its own (a refused try: the action's was rolled back)."""
    async with uow() as unit:
        await StaffReads(unit.session).audit(audit)
        await unit.commit()


def audit_router(*, uow: Callable, clock: Callable[[], datetime]) -> APIRouter:
    router = APIRouter()

    async def entries(request, staff, **query) -> tuple[int, list[AuditEntry]]:
        async with uow() as unit:
            reads = StaffReads(unit.session)
            found = await reads.audit_entries(**query)
            await reads.audit(entry(request, staff, "audit.read", "done", clock()))
            await unit.commit()
            return found

    @router.get("/api/audit", response_model=AuditOut, tags=["staff"],
                summary="The audit log, newest first, in [from, to) (admins)")
    async def audit_api(request: Request, staff: Admin,
                        start: Annotated[AwareDatetime | None, Query(alias="from")] = None,
                        end: Annotated[AwareDatetime | None, Query(alias="to")] = None,
                        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
                        offset: Annotated[int, Query(ge=0)] = 0) -> AuditOut:
        total, found = await entries(request, staff, start=utc_bound(start), end=utc_bound(end),
                                     limit=limit, offset=offset)
        return AuditOut(count=total, items=[AuditEntryOut(**e.__dict__) for e in found])

    @router.get("/staff/audit", include_in_schema=False)
    async def audit_page(request: Request, staff: Admin,
                         page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> HTMLResponse:
        total, found = await entries(request, staff, limit=PAGE_SIZE,
                                     offset=(page - 1) * PAGE_SIZE)
        return render_page(request, _templates, "workspace/audit.html", staff=staff,
                           service_label="notifications", no_case_filter=True,
                           audit_links=workspace(request).audit_links(request),
                           entries=found, total=total, case_id="", page=page,
                           pages=page_count(total))

    return router
