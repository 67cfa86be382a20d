"""Screening's handlers: load, decide (in the domain), save and emit, in one unit of work."""
from collections.abc import Callable
from datetime import datetime

from vod_shared.envelope import Envelope
from vod_shared.events import RequestReceived
from vod_shared.topics import Topics

from screening.domain.model import ScreeningCase
from screening.domain.rules import determine_eligibility
from screening.service_layer.unit_of_work import UnitOfWork


async def decide_eligibility(envelope: Envelope, uow: UnitOfWork, *, topics: Topics,
                             clock: Callable[[], datetime]) -> None:
    """A new request: decide from the custody registry whether the offender is eligible."""
    request: RequestReceived = envelope.data
    if await uow.cases.get(request.case_id) is not None:
        return  # the same case announced again (a replay from another source id)
    now = clock()
    case = ScreeningCase(request.case_id, request.cdcr_number, opened_at=now)
    case.decide(determine_eligibility(await uow.custody.get(request.cdcr_number)), now=now)
    await uow.cases.add(case)
    for event in case.events:
        await uow.emit(event, topic=topics.screening, subject=case.case_id)
