"""Scheduling's handlers: keep its own view of each case from the other services' events."""
from collections.abc import Callable
from datetime import datetime

from vod_shared.envelope import Envelope
from vod_shared.events import EligibilityDetermined, RequestReceived

from scheduling.domain.model import SchedulingCase
from scheduling.service_layer.unit_of_work import UnitOfWork


async def case_opened(envelope: Envelope, uow: UnitOfWork, *, clock: Callable[[], datetime]) -> None:
    request: RequestReceived = envelope.data
    if await uow.cases.get(request.case_id) is None:
        await uow.cases.add(SchedulingCase.open(request.case_id, request.cdcr_number, clock()))


async def eligibility_decided(envelope: Envelope, uow: UnitOfWork, *,
                              clock: Callable[[], datetime]) -> None:
    decision: EligibilityDetermined = envelope.data
    case = await uow.cases.get(decision.case_id)
    if case is None:
        # Topics are read independently, so screening's answer can arrive first.
        case = SchedulingCase.open(decision.case_id, decision.cdcr_number, clock())
        await uow.cases.add(case)
    case.eligibility_decided(decision.outcome, clock())
    await uow.cases.save(case)
