"""A case's joint dialogue as staff see it: who is in it, who is still going, who holds it up."""
from scheduling.domain.family import going, holding_up, name
from scheduling.service_layer.unit_of_work import UnitOfWork


async def case_group(uow: UnitOfWork, case_id: str) -> dict:
    """The case's group (``group_id`` None and no members when it is linked to none)."""
    group_id = await uow.groups.group_of(case_id)
    members = ([await uow.cases.get(m) for m in await uow.groups.members(group_id)]
               if group_id else [])
    still = {case.case_id for case in going(members)}
    waiting = holding_up(members)
    return {
        "group_id": group_id,
        "members": [{"case_id": case.case_id, "reference": case.reference,
                     "stage": case.stage.value, "going": case.case_id in still,
                     "this_case": case.case_id == case_id,
                     "holding_up": waiting.get(name(case), [])} for case in members],
        "other_participants": len(still - {case_id}),
        "ready": bool(still) and not waiting,
    }
