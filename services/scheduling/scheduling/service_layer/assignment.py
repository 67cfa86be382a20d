"""Taking cases off the wait list whenever a facilitator may have room."""
import structlog

from scheduling.domain.facilitators import choose_facilitators
from scheduling.service_layer.context import Context
from scheduling.service_layer.unit_of_work import UnitOfWork

log = structlog.get_logger("scheduling.assignment")


async def assign_waiting_cases(uow: UnitOfWork, ctx: Context) -> int:
    """Gives facilitators to waiting cases, longest waiting first; returns how many."""
    pool = await uow.facilitators.all()
    load = await uow.cases.load_by_facilitator()
    assigned = 0
    for case_id in await uow.cases.waiting_for_facilitator():
        case = await uow.cases.get(case_id, for_update=True)
        if case is None or not case.is_waiting_for_facilitator or case.is_paused:
            continue
        facility = await uow.facilities.get(case.facility_code)
        chosen = choose_facilitators(pool, load, language=case.language,
                                     region=facility.region if facility else None)
        if chosen is None:
            continue
        case.assign(chosen, now=ctx.clock())
        await uow.save_case(case, topic=ctx.topic)
        for facilitator_id in chosen:
            load[facilitator_id] = load.get(facilitator_id, 0) + 1
        assigned += 1
        log.info("case.assigned", case_id=case_id, facilitators=len(chosen))
    return assigned
