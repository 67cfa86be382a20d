"""Taking cases off the wait list whenever a facilitator may have room."""
from collections.abc import Iterable

import structlog

from scheduling.domain.facilitators import Facilitator, choose_facilitators
from scheduling.service_layer.context import Context
from scheduling.service_layer.unit_of_work import UnitOfWork

log = structlog.get_logger("scheduling.assignment")


def staff_accounts(people: Iterable[Facilitator]) -> dict[str, str]:
    """Facilitator id -> the staff account that acts as them, for those that have one."""
    return {p.facilitator_id: p.staff_username for p in people if p.staff_username}


async def assign_waiting_cases(uow: UnitOfWork, ctx: Context) -> int:
    """Gives facilitators to waiting cases, longest waiting first; returns how many."""
    waiting = await uow.cases.waiting_for_facilitator()
    if not waiting:
        return 0  # the usual answer: no need to count every open case's facilitators
    pool = await uow.facilitators.all()
    load = await uow.cases.load_by_facilitator()
    assigned = 0
    for case_id in waiting:
        case = await uow.cases.get(case_id, for_update=True)
        if case is None or not case.is_waiting_for_facilitator or case.is_paused:
            continue
        facility = await uow.facilities.get(case.facility_code)
        chosen = choose_facilitators(pool, load, language=case.language,
                                     region=facility.region if facility else None)
        if chosen is None:
            continue
        case.assign(chosen, now=ctx.clock(), staff_accounts=staff_accounts(pool))
        await uow.save_case(case, topic=ctx.topic)
        for facilitator_id in chosen:
            load[facilitator_id] = load.get(facilitator_id, 0) + 1
        assigned += 1
        log.info("case.assigned", case_id=case_id, facilitators=len(chosen))
    return assigned
