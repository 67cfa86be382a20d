"""The victim's side of scheduling (domain.schedule): meetings, the dialogue, their reminders
and the surveys. Each handler loads what was already planned and told about the meeting,
decides, drops what still waited of an earlier version, and plans what is new.
"""
from vod_shared.envelope import Envelope
from vod_shared.events import (
    MeetingCancelled,
    MeetingScheduled,
    SessionCancelled,
    SessionScheduled,
    SurveyDue,
)

from notifications.domain import schedule
from notifications.service_layer import support_person_handlers as supporters
from notifications.service_layer.planning import Clock, case_or_park, plan
from notifications.service_layer.unit_of_work import UnitOfWork


async def meeting_scheduled(envelope: Envelope, uow: UnitOfWork, *, clock: Clock) -> None:
    event: MeetingScheduled = envelope.data
    now = clock()
    case = await case_or_park(envelope, event.case_id, uow, now)
    if case is None:
        return
    known = await _history(uow, case.case_id, schedule.MEETING, event.meeting_id)
    notices = schedule.meeting_notices(case, event, known, now=now)
    # A newer version drops what waited of the old one, even when it is read too late to be
    # told itself (after its new start): the old time is gone either way.
    if event.sequence > known.planned_sequence:
        await uow.deliveries.cancel(known.waiting, now=now, reason="rescheduled")
    await plan(uow, notices, cause_id=envelope.id, now=now, case=case)


async def meeting_cancelled(envelope: Envelope, uow: UnitOfWork, *, clock: Clock) -> None:
    event: MeetingCancelled = envelope.data
    now = clock()
    case = await case_or_park(envelope, event.case_id, uow, now)
    if case is None:
        return
    known = await _history(uow, case.case_id, schedule.MEETING, event.meeting_id)
    await uow.deliveries.cancel(known.waiting, now=now, reason="meeting_cancelled")
    notice = schedule.meeting_cancelled_notice(case, event, known, now=now)
    await plan(uow, [notice], cause_id=envelope.id, now=now)


async def session_scheduled(envelope: Envelope, uow: UnitOfWork, *, clock: Clock) -> None:
    event: SessionScheduled = envelope.data
    now = clock()
    case = await case_or_park(envelope, event.case_id, uow, now)
    if case is None:
        return
    known = await _history(uow, case.case_id, schedule.SESSION, event.session_id)
    notices = schedule.session_notices(case, event, known, now=now)
    if event.sequence > known.planned_sequence:
        await uow.deliveries.cancel(known.waiting, now=now, reason="rescheduled")
    await plan(uow, notices, cause_id=envelope.id, now=now, case=case)
    await supporters.invite(uow, case, event, cause_id=envelope.id, now=now)


async def session_cancelled(envelope: Envelope, uow: UnitOfWork, *, clock: Clock) -> None:
    """The calendar cancellation goes even while the case is on hold (it is not news that can
    wait: the entry must leave their calendar)."""
    event: SessionCancelled = envelope.data
    now = clock()
    case = await case_or_park(envelope, event.case_id, uow, now)
    if case is None:
        return
    known = await _history(uow, case.case_id, schedule.SESSION, event.session_id)
    await uow.deliveries.cancel(known.waiting, now=now, reason="session_cancelled")
    notice = schedule.session_cancelled_notice(case, event, known, now=now)
    await plan(uow, [notice], cause_id=envelope.id, now=now)
    await supporters.tell_cancelled(uow, case, event, cause_id=envelope.id, now=now)


async def survey_due(envelope: Envelope, uow: UnitOfWork, *, clock: Clock) -> None:
    event: SurveyDue = envelope.data
    now = clock()
    case = await case_or_park(envelope, event.case_id, uow, now)
    if case is None:
        return
    await plan(uow, [schedule.survey_notice(case, event)], cause_id=envelope.id, now=now,
               case=case)


async def _history(uow: UnitOfWork, case_id: str, kind: tuple[str, str, str, str],
                   item_id: str) -> schedule.History:
    key = kind[0]
    return schedule.history(await uow.deliveries.about(case_id, key, item_id), kind)
