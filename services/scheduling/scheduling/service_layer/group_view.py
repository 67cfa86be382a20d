"""A case's joint dialogue as staff see it: who is in it, who is still going, who holds it up.
A participant's case the reader may not see shows only its reference and a neutral "not
ready" (never why: a hold would reveal the victim's own choice)."""
from vod_shared.staff import StaffMember

from scheduling.domain.family import going, holding_up, name
from scheduling.service_layer.unit_of_work import UnitOfWork
from scheduling.service_layer.views import may_see

NOT_READY = "not ready"


async def case_group(uow: UnitOfWork, staff: StaffMember, case_id: str) -> dict:
    """The case's group (``group_id`` None and no members when it is linked to none)."""
    group_id = await uow.groups.group_of(case_id)
    members = ([await uow.cases.get(m) for m in await uow.groups.members(group_id)]
               if group_id else [])
    still = {case.case_id for case in going(members)}
    waiting = holding_up(members)
    shown = []
    for case in members:
        seen = await may_see(uow, staff, case)
        held_up = waiting.get(name(case), [])
        shown.append({
            "case_id": case.case_id if seen else None, "reference": case.reference,
            "visible": seen,
            "may_change": await may_see(uow, staff, case, for_update=True),
            "stage": case.stage.value if seen else None,
            "going": case.case_id in still if seen else None,
            "this_case": case.case_id == case_id,
            "holding_up": held_up if seen else [NOT_READY] * bool(held_up)})
    return {
        "group_id": group_id, "members": shown,
        "other_participants": len(still - {case_id}),
        "ready": bool(still) and not waiting,
    }
