"""Runs a staff action or a read in its own unit of work, seen through one staff member's eyes;
each decision on a case, and each read of a case's personal details, is audited in the same
transaction (no change and no view without its entry), and each refused try in its own."""
from datetime import timezone

from vod_shared.staff import StaffMember

from scheduling.adapters.audit import ORIGIN, AuditEntry, AuditLog
from scheduling.domain.errors import InvalidSchedule, NotFound, SchedulingError
from scheduling.service_layer.context import Context
from scheduling.service_layer.joint import lock_joint_dialogue
from scheduling.service_layer.views import visible_case


class SchedulingService:
    def __init__(self, uow, ctx: Context) -> None:
        self.uow, self.ctx = uow, ctx

    async def run(self, action, *, staff: StaffMember | None = None, audit: str | None = None,
                  **kwargs):
        """A change that is not about one case (facilitators, facilities, alerts)."""
        async with self.uow() as uow:
            result = await action(uow, self.ctx, **kwargs)
            if audit:
                await self._audit(uow, staff, audit, "done", None)
            await uow.commit()
            return result

    async def on_case(self, staff: StaffMember, case_id: str, action, *,
                      audit: str | None = None, detail: str | None = None,
                      locking: tuple[str, ...] = (), **kwargs):
        """A change to a case this staff member may see (else: not found), or a read of its
        personal details; ``audit`` names it in the audit log (else the action's own name:
        a route that forgets to name its action is still audited, with its path). Every other
        case the action changed (a joint dialogue's) gets its own entry, its detail the case
        acted from. ``locking``: other cases the action will lock (a case being linked)."""
        audit = audit or _named(action)
        try:
            async with self.uow() as uow:
                await lock_joint_dialogue(uow, case_id, *locking)
                await visible_case(uow, staff, case_id, for_update=True)
                uow.acting = staff
                result = await action(uow, self.ctx, case_id=case_id, **kwargs)
                await self._audit(uow, staff, audit, "done", case_id, detail)
                for other in uow.also_changed:
                    if other != case_id:
                        await self._audit(uow, staff, audit, "done", other, case_id)
                await uow.commit()
                return result
        except SchedulingError as refused:
            await self.refused(staff, audit, refused, case_id)
            raise

    async def read(self, view, **kwargs):
        async with self.uow() as uow:
            return await view(uow, **kwargs)

    async def read_audited(self, staff: StaffMember, case_id: str, view, *, audit: str):
        """A read that opens a case's personal details (staff notes, a letter's words)."""
        try:
            async with self.uow() as uow:
                result = await view(uow)
                await self._audit(uow, staff, audit, "done", case_id)
                await uow.commit()
                return result
        except SchedulingError as refused:
            await self.refused(staff, audit, refused, case_id)
            raise

    async def audit_log(self, staff: StaffMember, **query) -> tuple[int, list[AuditEntry]]:
        """The audit log, newest first, for an admin; the reading is itself an entry."""
        async with self.uow() as uow:
            found = await AuditLog(uow.session).entries(**query)
            await self._audit(uow, staff, "audit.read", "done", query.get("case_id"))
            await uow.commit()
            return found

    async def refused(self, staff: StaffMember | None, action: str, error: Exception,
                      case_id: str | None) -> None:
        """The refused try, in a transaction of its own (the action's was rolled back)."""
        async with self.uow() as uow:
            await self._audit(uow, staff, action, _outcome(error), case_id,
                              type(error).__name__)
            await uow.commit()

    async def _audit(self, uow, staff: StaffMember | None, action: str, outcome: str,
                     case_id: str | None, detail: str | None = None) -> None:
        origin = ORIGIN.get()
        await AuditLog(uow.session).append(AuditEntry(
            self.ctx.clock().astimezone(timezone.utc), staff.username if staff else None, action, outcome, case_id,
            origin.address, origin.method, origin.path, detail))


def _named(action) -> str:
    name = getattr(action, "__name__", "")
    return "case.change" if name in ("", "<lambda>", "on_case") else name[:64]


def _outcome(error: Exception) -> str:
    if isinstance(error, NotFound):
        return "refused_not_found"
    if isinstance(error, InvalidSchedule):
        return "refused_invalid"
    return "refused_not_now"
