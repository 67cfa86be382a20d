"""Staff API for linked family cases: a case's joint dialogue, linking another case to it by
VOD reference or id, and unlinking a case. Refusals are RFC 9457 problems (409 with every
reason, 404 for a case not found or not this staff member's)."""
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from vod_shared.staff import StaffMember

from scheduling.domain.errors import NotFound, SchedulingError
from scheduling.entrypoints.access import READERS, STAFF
from scheduling.service_layer import joint, views
from scheduling.service_layer.group_view import case_group

Staff = Annotated[StaffMember, Depends(STAFF)]
Reader = Annotated[StaffMember, Depends(READERS)]


class LinkIn(BaseModel):
    case: str = Field(min_length=1, max_length=64,
                      description="The other case's VOD reference (VOD-2026-000002) or id")


async def case_named(service, staff: StaffMember, case_id: str, text: str) -> str:
    """The id of the case staff named, if they may see it; a miss is audited as refused."""
    async def find(uow):
        found = await uow.groups.case_named(text)
        if found is None:
            raise NotFound("No case with that reference or id.")
        await views.visible_case(uow, staff, found)
        return found
    try:
        return await service.read(find)
    except SchedulingError as refused:
        await service.refused(staff, "group.link", refused, case_id)
        raise


def groups_router(service) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["scheduling: linked family cases"])

    async def group(staff: StaffMember, case_id: str) -> dict:
        async def view(uow):
            await views.visible_case(uow, staff, case_id)
            return await case_group(uow, staff, case_id)
        return await service.read(view)

    @router.get("/cases/{case_id}/group", summary="The case's joint dialogue and who holds it up")
    async def read_group(case_id: str, staff: Reader) -> dict:
        return await group(staff, case_id)

    @router.post("/cases/{case_id}/group", summary="Link another case (same offender) to it")
    async def link(case_id: str, body: LinkIn, staff: Staff) -> dict:
        other_id = await case_named(service, staff, case_id, body.case)
        await service.on_case(staff, case_id, joint.link_case, audit="group.link",
                              detail=other_id, locking=(other_id,), other_case_id=other_id)
        return await group(staff, case_id)

    @router.post("/cases/{case_id}/group/unlink", summary="The case leaves its joint dialogue")
    async def unlink(case_id: str, staff: Staff) -> dict:
        await service.on_case(staff, case_id, joint.unlink_case, audit="group.unlink")
        return await group(staff, case_id)

    return router
