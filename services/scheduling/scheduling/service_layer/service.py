"""Runs a staff action or a read in its own unit of work, seen through one staff member's eyes."""
from vod_shared.staff import StaffMember

from scheduling.service_layer.context import Context
from scheduling.service_layer.views import visible_case


class SchedulingService:
    def __init__(self, uow, ctx: Context) -> None:
        self.uow, self.ctx = uow, ctx

    async def run(self, action, **kwargs):
        """A change that is not about one case (facilitators, facilities, alerts)."""
        async with self.uow() as uow:
            result = await action(uow, self.ctx, **kwargs)
            await uow.commit()
            return result

    async def on_case(self, staff: StaffMember, case_id: str, action, **kwargs):
        """A change to a case this staff member may see (else: not found)."""
        async with self.uow() as uow:
            await visible_case(uow, staff, case_id, for_update=True)
            result = await action(uow, self.ctx, case_id=case_id, **kwargs)
            await uow.commit()
            return result

    async def read(self, view, **kwargs):
        async with self.uow() as uow:
            return await view(uow, **kwargs)
