"""Possible duplicates: kept as intake finds them, shown on both cases' timelines by the other
case's reference, decided by a screener on the newer case and announced (``DuplicateResolved``).

Events may come in any order: a possible duplicate is kept whether or not screening knows
either case yet (the newer case joins the work queue once its request is here), and a line
that had to name a case not heard of yet is rewritten when that case's request arrives.
"""
from collections.abc import Callable, Iterable
from datetime import datetime

import structlog

from vod_shared import events as e
from vod_shared.envelope import Envelope

from screening.adapters.read_model import TimelineEntry
from screening.domain import duplicates
from screening.domain.commands import ResolveDuplicate
from screening.domain.duplicates import OtherCase, PossibleDuplicate
from screening.service_layer.unit_of_work import UnitOfWork
from screening.service_layer.views import DuplicateView

log = structlog.get_logger("screening.duplicates")


async def found(envelope: Envelope, uow: UnitOfWork) -> None:
    """Intake's ``PossibleDuplicateFound``: the newer case waits for a person; both timelines
    say so. The same pair announced again changes nothing."""
    data: e.PossibleDuplicateFound = envelope.data
    if data.case_id == data.other_case_id:
        log.warning("possible_duplicate.of_itself", case_id=data.case_id)
        return
    duplicate = PossibleDuplicate(data.case_id, data.other_case_id, tuple(data.overlaps),
                                  data.at, envelope.id)
    if not await uow.duplicates.add(duplicate):
        log.info("possible_duplicate.already_known", case_id=data.case_id,
                 other_case_id=data.other_case_id)
        return
    await _put_lines(uow, duplicate, envelope)


async def reference_known(envelope: Envelope, uow: UnitOfWork) -> None:
    """A case's request arrived: lines that named it as a case not heard of yet get its
    reference."""
    request: e.RequestReceived = envelope.data
    involved = await uow.duplicates.involving(request.case_id)
    if not involved:
        return
    references = await uow.duplicates.references(_case_ids(involved))
    for duplicate in involved:
        for line in duplicates.lines(duplicate, references):
            await uow.timeline.rewrite(line.case_id, line.event_id, line.summary)


async def resolve(uow: UnitOfWork, command: ResolveDuplicate, *, by: str, now: datetime,
                  topic: str, check: Callable[[], None]) -> PossibleDuplicate:
    """Decides the newer case's possible duplicate and announces it; both timelines say what
    was decided. ``check`` refuses when the case may not be decided now (ended, paused): asked
    once the duplicate is found, so that a case with none to decide answers so."""
    duplicate = duplicates.pick(await uow.duplicates.of_case(command.case_id, for_update=True),
                                command.other_case_id)
    check()
    duplicate.decide(command.decision, by=by, now=now)
    [event] = duplicate.events
    duplicate.events.clear()
    envelope = await uow.emit(event, topic=topic, subject=duplicate.case_id)
    duplicate.resolved_event_id = envelope.id
    await uow.duplicates.save(duplicate)
    await _put_lines(uow, duplicate, envelope)
    return duplicate


async def views_of(uow: UnitOfWork, case_id: str) -> list[DuplicateView]:
    """The possible duplicates naming the case, as its page shows them."""
    involved = await uow.duplicates.involving(case_id)
    references = await uow.duplicates.references(_case_ids(involved))
    return [DuplicateView(d, _other(d.other_than(case_id), references), d.case_id == case_id)
            for d in involved]


async def still_open(uow: UnitOfWork, case_ids: Iterable[str]) -> dict[str, tuple[OtherCase, ...]]:
    """For the queue: each case's possible duplicates still waiting for a person."""
    waiting = await uow.duplicates.still_open(case_ids)
    references = await uow.duplicates.references(o for others in waiting.values() for o in others)
    return {case_id: tuple(_other(o, references) for o in others)
            for case_id, others in waiting.items()}


async def _put_lines(uow: UnitOfWork, duplicate: PossibleDuplicate, envelope: Envelope) -> None:
    references = await uow.duplicates.references([duplicate.case_id, duplicate.other_case_id])
    for line in duplicates.lines(duplicate, references):
        if line.event_id == envelope.id:
            await uow.timeline.put(TimelineEntry(line.case_id, envelope.id, envelope.type,
                                                 envelope.source, envelope.time, line.summary))


def _case_ids(involved: list[PossibleDuplicate]) -> set[str]:
    return {d.case_id for d in involved} | {d.other_case_id for d in involved}


def _other(case_id: str, references: dict[str, str | None]) -> OtherCase:
    return OtherCase(case_id, references.get(case_id))
