"""What every handler does with what it decided: record the deliveries, or keep an event about
a case notifications has not heard of yet."""
from collections.abc import Callable, Iterable
from datetime import datetime

from vod_shared.envelope import Envelope

from notifications.domain.delivery import Status
from notifications.domain.model import Case, CaseState, Notice
from notifications.service_layer.unit_of_work import UnitOfWork

Clock = Callable[[], datetime]


async def plan(uow: UnitOfWork, notices: Iterable[Notice | None], *, cause_id: str,
               now: datetime, case: Case | None = None) -> list[Notice]:
    """Records each notice's deliveries; while the case is on hold they wait, paused.
    Returns the notices recorded (none to a person who was erased)."""
    status = Status.PAUSED if case and case.state is CaseState.PAUSED else Status.PENDING
    notices = [notice for notice in notices if notice is not None]
    erased = await uow.people.erased_among({n.recipient_id for n in notices}) if notices else set()
    planned = [notice for notice in notices if notice.recipient_id not in erased]
    # One statement for a custody change's whole fan-out, not one per registrant
    await uow.deliveries.plan_all(planned, cause_event_id=cause_id, now=now, status=status)
    return planned


async def case_or_park(envelope: Envelope, case_id: str, uow: UnitOfWork,
                       now: datetime) -> Case | None:
    """The case the event is about; None, and the event kept for it, if its request has not
    been read yet (topics are read independently)."""
    await uow.observed.add(envelope, now)
    case = await uow.cases.get(case_id)
    if case is None:
        await uow.parked.park(envelope, case_id, now)
    return case
