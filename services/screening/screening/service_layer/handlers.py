"""Screening's handlers: load, decide (in the domain), save and emit, in one unit of work."""
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import structlog

from vod_shared.envelope import Envelope
from vod_shared.events import (
    CaseClosed,
    CaseWithdrawn,
    CustodyStatusChanged,
    RequestReceived,
    VisitorRole,
)
from vod_shared.topics import Topics

from screening.adapters.read_model import CaseVisitor
from screening.domain import custody
from screening.domain.commands import RecordCustodyChange
from screening.domain.model import ScreeningCase
from screening.domain.rules import CustodyRecord, determine_eligibility
from screening.service_layer.unit_of_work import UnitOfWork

log = structlog.get_logger("screening.handlers")
WEBHOOK_ENDPOINT = "custody"


async def decide_eligibility(envelope: Envelope, uow: UnitOfWork, *, topics: Topics,
                             clock: Callable[[], datetime]) -> None:
    """A new request: decide from the custody registry whether the offender is eligible."""
    request: RequestReceived = envelope.data
    if await uow.cases.get(request.case_id) is not None:
        return  # the same case announced again (a replay from another source id)
    await uow.custody.lock(request.cdcr_number)  # so a custody change cannot slip past the case
    now = clock()
    case = ScreeningCase(request.case_id, request.cdcr_number, opened_at=now,
                         reference=request.reference, requester_id=request.requester_id)
    case.decide(determine_eligibility(await uow.custody.get(request.cdcr_number)), now=now)
    # Whether the victim lives outside California comes sealed (``logistics``); it stays
    # sealed here and is opened only for a staff page. The old plain field is always false.
    await uow.cases.add(case, logistics=request.logistics)
    # The victim is the first visitor a dialogue inside a facility needs cleared.
    await uow.visitors.add(case.case_id, CaseVisitor(request.requester_id, VisitorRole.VICTIM),
                           now)
    await _emit_decisions(uow, case, topics)


async def end_case(envelope: Envelope, uow: UnitOfWork, *,
                   clock: Callable[[], datetime]) -> None:
    """The case was withdrawn or closed: its eligibility is not decided again."""
    event: CaseWithdrawn | CaseClosed = envelope.data
    case = await uow.cases.get(event.case_id, for_update=True)
    if case is None:
        log.info("case.end_for_unknown_case", case_id=event.case_id)
        return
    if isinstance(event, CaseWithdrawn):
        case.withdraw(now=clock())
    else:
        case.close(now=clock())
    await uow.cases.save(case)


@dataclass(frozen=True)
class Recorded:
    """What became of a custody report: ``recorded``, or why a roster line changed nothing."""

    outcome: str
    status_code: int = 202
    body: dict | None = None


async def record_custody_change(command: RecordCustodyChange, uow: UnitOfWork, *,
                                topics: Topics, clock: Callable[[], datetime]) -> Recorded:
    """Keep a reported custody change in the registry, announce it on the custody topic, and
    decide again every open case whose answer it changes."""
    if command.webhook_id and (earlier := await uow.receipts.get(command.webhook_id)):
        return Recorded("already_received", *earlier)
    report = command.report
    custody.check_report(report)
    await uow.custody.lock(report.cdcr_number)
    offender = await uow.custody.offender(report.cdcr_number)
    if skipped := offender.skips(report):
        return Recorded(skipped.value)
    in_force_before = offender.current if offender.is_latest(report) else (
        await uow.custody.as_of(report.cdcr_number, report.effective_at))
    now = clock()
    is_current = offender.record(report, change_id=str(uuid.uuid4()),
                                 in_force_before=in_force_before)
    [change] = offender.events
    await _keep_and_announce(uow, change, command, topics, now)
    decided_again = 0
    if is_current:
        await uow.custody.make_current(change, now=now)
        decided_again = await _reconsider_open_cases(uow, offender.current, topics, now)
    log.info("custody.change_recorded", cdcr_number=report.cdcr_number, change=change.change.value,
             change_id=change.change_id, current=is_current, cases_decided_again=decided_again)
    recorded = Recorded("recorded", 202, {"change_id": change.change_id})
    if command.webhook_id:
        await uow.receipts.add(command.webhook_id, WEBHOOK_ENDPOINT, recorded.status_code,
                               recorded.body, now)
    await uow.commit()
    return recorded


async def _keep_and_announce(uow: UnitOfWork, change: CustodyStatusChanged,
                             command: RecordCustodyChange, topics: Topics, now: datetime) -> None:
    source = "roster" if command.report.is_roster_line else "webhook"
    await uow.custody.add_change(change, source=source, webhook_id=command.webhook_id, now=now)
    await uow.emit(change, topic=topics.custody, subject=change.cdcr_number)


async def _reconsider_open_cases(uow: UnitOfWork, record: CustodyRecord, topics: Topics,
                                 now: datetime) -> int:
    decided_again = 0
    for case in await uow.cases.open_for(record.cdcr_number):
        if case.reconsider(record, now=now):
            await uow.cases.save(case)
            await _emit_decisions(uow, case, topics)
            decided_again += 1
    return decided_again


async def _emit_decisions(uow: UnitOfWork, case: ScreeningCase, topics: Topics) -> None:
    for event in case.events:
        await uow.emit(event, topic=topics.screening, subject=case.case_id)
    case.events.clear()
