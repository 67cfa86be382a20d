"""The staff page of a case's joint dialogue (linked family cases): who is in it and who holds
it up, with the forms to link another case by its VOD reference and to unlink one."""
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from scheduling.domain.errors import SchedulingError
from scheduling.entrypoints.access import ACTS
from scheduling.entrypoints.api_groups import case_named
from scheduling.entrypoints.pages import Checked, Reader, Staff, render
from scheduling.service_layer import joint, views
from scheduling.service_layer.group_view import case_group

DONE = {"linked": "The case is linked to this dialogue.",
        "unlinked": "The case is unlinked from this dialogue."}


def group_router(service) -> APIRouter:
    router = APIRouter(prefix="/staff", include_in_schema=False)

    async def page(request: Request, staff, case_id: str, *, status_code: int = 200,
                   **message) -> HTMLResponse:
        async def view(uow):
            case = await views.visible_case(uow, staff, case_id)
            return views.case_summary(case, "UTC") | {"cdcr_number": case.cdcr_number}, \
                await case_group(uow, staff, case_id)
        case, group = await service.read(view)
        return render(request, "group.html", staff=staff, status_code=status_code, case=case,
                      group=group, may_act=staff.has_any_role(*ACTS), **message)

    async def refused(request, staff, case_id: str, exc: SchedulingError):
        status = 404 if type(exc).__name__ == "NotFound" else 409
        return await page(request, staff, case_id, status_code=status, error=str(exc),
                          reasons=getattr(exc, "reasons", None))

    @router.get("/cases/{case_id}/group")
    async def group(request: Request, case_id: str, staff: Reader,
                    done: str | None = None) -> HTMLResponse:
        return await page(request, staff, case_id, done=DONE.get(done))

    @router.post("/cases/{case_id}/group", dependencies=[Checked])
    async def link(request: Request, case_id: str, staff: Staff,
                   other: Annotated[str, Form(min_length=1, max_length=64)]):
        try:
            other_id = await case_named(service, staff, case_id, other)
            await service.on_case(staff, case_id, joint.link_case, audit="group.link",
                                  detail=other_id, locking=(other_id,), other_case_id=other_id)
        except SchedulingError as exc:
            return await refused(request, staff, case_id, exc)
        return RedirectResponse(f"/staff/cases/{case_id}/group?done=linked", status_code=303)

    @router.post("/cases/{case_id}/group/unlink", dependencies=[Checked])
    async def unlink(request: Request, case_id: str, staff: Staff,
                     member: Annotated[str, Form(min_length=1, max_length=64)]):
        try:
            # Acted from this case: ``member`` must be in its joint dialogue.
            await service.on_case(staff, case_id, joint.unlink_case, audit="group.unlink",
                                  detail=member, member=member)
        except SchedulingError as exc:
            return await refused(request, staff, case_id, exc)
        return RedirectResponse(f"/staff/cases/{case_id}/group?done=unlinked", status_code=303)

    return router
