"""Support persons (domain.support_persons): intake's word that a victim brings one, or no
longer does, and their part of each dialogue invitation and cancellation."""
from datetime import datetime

from vod_shared.envelope import Envelope
from vod_shared.events import (
    SessionCancelled,
    SessionScheduled,
    SupportPersonAdded,
    SupportPersonRemoved,
)

from notifications.domain import schedule, support_persons
from notifications.domain.delivery import Status
from notifications.domain.model import Case
from notifications.domain.support_persons import SupportPerson
from notifications.service_layer.planning import Clock, case_or_park, plan
from notifications.service_layer.unit_of_work import UnitOfWork


async def support_person_added(envelope: Envelope, uow: UnitOfWork, *, clock: Clock) -> None:
    """Kept with the case; if its dialogue is already set, they are invited to it now."""
    event: SupportPersonAdded = envelope.data
    now = clock()
    case = await case_or_park(envelope, event.case_id, uow, now)
    if case is None:
        return
    person = SupportPerson(event.support_person_id, event.preferred_language,
                           event.preferred_channel)
    await uow.supporters.add(event.case_id, person, at=event.at)
    if (current := await _dialogue_she_was_invited_to(uow, case)) is not None:
        await _invite_one(uow, case, person, current, cause_id=envelope.id, now=now)


async def support_person_removed(envelope: Envelope, uow: UnitOfWork, *, clock: Clock) -> None:
    """Off the case; what still waited for them is dropped."""
    event: SupportPersonRemoved = envelope.data
    now = clock()
    if await case_or_park(envelope, event.case_id, uow, now) is None:
        return
    await uow.supporters.remove(event.case_id, event.support_person_id, at=event.at)
    waiting = await uow.supporters.waiting_for(event.case_id, event.support_person_id)
    await uow.deliveries.cancel(waiting, now=now, reason="support_person_removed")


async def invite(uow: UnitOfWork, case: Case, event: SessionScheduled, *, cause_id: str,
                 now) -> None:
    """Each support person's invitation to this version of the dialogue."""
    for person in await uow.supporters.of_case(case.case_id):
        await _invite_one(uow, case, person, event, cause_id=cause_id, now=now)


async def _invite_one(uow: UnitOfWork, case: Case, person: SupportPerson,
                      event: SessionScheduled, *, cause_id: str, now) -> None:
    known = await _history(uow, case.case_id, event.session_id, person.person_id)
    notice = support_persons.invitation(case, person, event, known, now=now)
    if notice is not None and known.waiting:
        await uow.deliveries.cancel(known.waiting, now=now, reason="rescheduled")
    await plan(uow, [notice], cause_id=cause_id, now=now, case=case)


async def _dialogue_she_was_invited_to(uow: UnitOfWork, case: Case) -> SessionScheduled | None:
    """The dialogue as the victim's latest invitation (not dropped, not since cancelled) set
    it; None when there is none."""
    mine = [d for d, _ in await uow.deliveries.listing(subject=case.case_id,
                                                       recipient_id=case.requester_id)
            if d.template == schedule.SESSION[1] and d.status is not Status.CANCELLED]
    if not mine:
        return None
    facts = mine[0].params  # newest first
    hers = schedule.history(await uow.deliveries.about(case.case_id, "session_id",
                                                       facts["session_id"]), schedule.SESSION)
    if hers.cancellation_planned:
        return None
    return SessionScheduled(
        case_id=case.case_id, session_id=facts["session_id"], venue=facts["venue"],
        starts_at=datetime.fromisoformat(facts["starts_at"]), facilitator_ids=[],
        ends_at=datetime.fromisoformat(facts["ends_at"]) if facts.get("ends_at") else None,
        facility_code=facts.get("facility_code"), time_zone=facts.get("time_zone"),
        sequence=int(facts["sequence"]))


async def tell_cancelled(uow: UnitOfWork, case: Case, event: SessionCancelled, *,
                         cause_id: str, now) -> None:
    for person in await uow.supporters.of_case(case.case_id):
        known = await _history(uow, case.case_id, event.session_id, person.person_id)
        await uow.deliveries.cancel(known.waiting, now=now, reason="session_cancelled")
        notice = support_persons.cancellation(case, person, event, known, now=now)
        await plan(uow, [notice], cause_id=cause_id, now=now)


async def _history(uow: UnitOfWork, case_id: str, session_id: str,
                   person_id: str) -> schedule.History:
    theirs = [d for d in await uow.deliveries.about(case_id, "session_id", session_id)
              if d.recipient_id == person_id]
    return schedule.history(theirs, support_persons.SESSION)
