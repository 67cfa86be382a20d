"""Notifications' handlers: load, decide who hears what (domain.rules), and record the
deliveries, all in the unit of work that also records the event as applied (the inbox).
Nothing is sent here: the sender picks the deliveries up once they are committed.
The victim's side of scheduling is in schedule_handlers.
"""
from collections.abc import Mapping

from vod_shared.consumer import Unprocessable
from vod_shared.envelope import Envelope
from vod_shared.events import (
    CustodyStatusChanged,
    EligibilityDetermined,
    EligibilityOutcome,
    PersonErased,
    RegistrationReceived,
    RequestReceived,
    RequestRepeated,
)
from vod_shared.sealing import CannotUnseal

from notifications.adapters.contacts import ContactKeys
from notifications.domain import hearings, rules, schedule, staff
from notifications.domain.delivery import Status
from notifications.domain.model import Case, Registration
from notifications.service_layer.planning import Clock, case_or_park, plan
from notifications.service_layer.staff_alerts import StaffAlerts
from notifications.service_layer.unit_of_work import UnitOfWork


async def request_received(envelope: Envelope, uow: UnitOfWork, *, clock: Clock,
                           parked_handlers: Mapping[type, object]) -> None:
    """A dialogue request was accepted: acknowledge it, then apply what waited for it (with
    ``parked_handlers``, the handlers of events about a case)."""
    request: RequestReceived = envelope.data
    now = clock()
    await uow.observed.add(envelope, now)
    case = await uow.cases.get(request.case_id)
    if case is None:
        case = Case(request.case_id, request.reference, request.requester_id,
                    request.cdcr_number, request.preferred_language, request.preferred_channel)
        await uow.cases.add(case)
    await plan(uow, [rules.acknowledge_request(case)], cause_id=envelope.id, now=now)
    for parked in await uow.parked.take(case.case_id):
        await parked_handlers[type(parked.data)](parked, uow)


async def request_repeated(envelope: Envelope, uow: UnitOfWork, *, clock: Clock) -> None:
    """The requester asked again about their open case: tell her we have it (domain.rules
    ``acknowledge_again``: at most once a day), held like any message while the case is paused
    and dropped with them if she withdraws or the case closes first."""
    repeat: RequestRepeated = envelope.data
    now = clock()
    case = await case_or_park(envelope, repeat.case_id, uow, now)
    if case is None:
        return
    last = await uow.deliveries.latest_going(case.case_id, rules.ACKNOWLEDGEMENTS)
    await plan(uow, [rules.acknowledge_again(case, last, now=now)], cause_id=envelope.id, now=now,
               case=case)


async def eligibility_determined(envelope: Envelope, uow: UnitOfWork, *, clock: Clock,
                                 alerts: StaffAlerts) -> None:
    decision: EligibilityDetermined = envelope.data
    now = clock()
    case = await case_or_park(envelope, decision.case_id, uow, now)
    if case is None:
        return
    notice = rules.tell_eligibility(case, decision.outcome)
    told = await plan(uow, [notice], cause_id=envelope.id, now=now, case=case)
    if decision.outcome is EligibilityOutcome.NEEDS_REVIEW:
        alert = staff.review_needed(case, decision.reason, requester_planned=bool(told))
        await alerts.raise_alert(uow, alert, cause_id=envelope.id, now=now)
    # Screening says whether the answer ends the case (an escapee's case waits for the
    # return); an older event without that says so by being ineligible.
    ends = (decision.ends_case if "ends_case" in type(decision).model_fields
            else decision.outcome is EligibilityOutcome.INELIGIBLE)
    if ends:
        case.move_to("closed")
        await uow.cases.save(case)


async def case_step(envelope: Envelope, uow: UnitOfWork, *, clock: Clock, step: str) -> None:
    """Paused, resumed, withdrawn or closed: confirm it to the requester, and hold, release or
    cancel what was still waiting to go about the case. Her withdrawal from her own page is a
    pause until it becomes final (domain.rules ``confirm_case_step``)."""
    event = envelope.data
    now = clock()
    case = await case_or_park(envelope, event.case_id, uow, now)
    if case is None or case.ended:
        return
    withdrawal_was_pending, reason = case.withdrawal_pending, getattr(event, "reason", None)
    case.move_to(step, reason)
    await uow.cases.save(case)
    waiting = {"paused": (Status.PENDING, Status.PAUSED),
               "resumed": (Status.PAUSED, Status.PENDING)}
    for from_ in (Status.PENDING, Status.PAUSED) if case.ended else ():
        await uow.deliveries.move_case(case.case_id, from_=from_, to=Status.CANCELLED, now=now,
                                       reason=f"case_{step}", keep=schedule.SENT_WHATEVER_THE_CASE)
    if step in waiting:
        from_, to = waiting[step]
        await uow.deliveries.move_case(case.case_id, from_=from_, to=to, now=now,
                                       keep=schedule.SENT_WHATEVER_THE_CASE)
    notice = rules.confirm_case_step(case, step, getattr(event, "by", None), reason,
                                     withdrawal_was_pending=withdrawal_was_pending)
    await plan(uow, [notice], cause_id=envelope.id, now=now)


async def registration_received(envelope: Envelope, uow: UnitOfWork, *, clock: Clock) -> None:
    """Acknowledge a form-1707 registration, and tell of changes it was read after."""
    event: RegistrationReceived = envelope.data
    now = clock()
    await uow.observed.add(envelope, now)
    registration = Registration(
        event.registration_id, event.registrant_id, event.relationship,
        event.cdcr_number.upper(), frozenset(event.notify_on), event.preferred_language,
        event.preferred_channel, event.received_at)
    known = await uow.registrations.get(registration.registration_id)
    if known is None:
        await uow.registrations.add(registration)
    elif not known.active:
        return  # cancelled by the registrant since: nothing brings it back
    await plan(uow, [rules.acknowledge_registration(registration)], cause_id=envelope.id, now=now)
    for event_id, data in await uow.custody.reported_since(registration.cdcr_number,
                                                          registration.received_at):
        change = CustodyStatusChanged.model_validate(data)
        notices = rules.custody_notices(change, [registration], now=now)
        await plan(uow, notices, cause_id=event_id, now=now)


async def custody_status_changed(envelope: Envelope, uow: UnitOfWork, *, clock: Clock,
                                 alerts: StaffAlerts) -> None:
    """Tell the registrants who chose this kind of change; a parole hearing reported with less
    than 90 days' notice alerts staff at once too (domain.hearings)."""
    change: CustodyStatusChanged = envelope.data
    now = clock()
    await uow.observed.add(envelope, now)
    await uow.custody.add(envelope.id, change.cdcr_number, envelope.time,
                          change.model_dump(mode="json"))
    registrations = await uow.registrations.following(change.cdcr_number)
    notices = rules.custody_notices(change, registrations, now=now)
    await plan(uow, notices, cause_id=envelope.id, now=now)
    days = hearings.short_notice_days(change, now)
    if days is not None:
        told = [n for n in notices if n.not_before is None]
        await alerts.raise_alert(uow, staff.hearing_on_short_notice(change, days, told),
                                 cause_id=envelope.id, now=now)


async def person_known(envelope: Envelope, uow: UnitOfWork, *, clock: Clock,
                       keys: ContactKeys) -> None:
    """PersonRegistered or PersonUpdated: keep the sealed details as received (under her own
    data key: erasing that key erases them); held messages can now go. They are kept only if
    intake signed them about this person for this service's purpose (checked without her
    key, which travels on vod.keys and may come later: the sender waits for it). Anything
    else (sealed or signed by another key, whatever it claims, or for another purpose, or
    altered, or a real value about another person) goes to the dead letters with the reason,
    and the person's stored details stay as they were: anyone who can write to the broker
    could otherwise send her messages to himself. Details of a person already erased are not
    kept."""
    event = envelope.data
    try:
        keys.check(event.sealed, about=event.person_id)
    except CannotUnseal as refused:
        raise Unprocessable(f"person details refused: {refused}") from None
    if await uow.people.is_erased(event.person_id):
        return
    await uow.people.save_contact(event.person_id, event.sealed, event.at)


async def person_erased(envelope: Envelope, uow: UnitOfWork, *, clock: Clock,
                        keys: ContactKeys) -> None:
    """Forgets her, and destroys this service's copies of her data key and of the keys erased
    with it (``subjects``), in one transaction: what was sealed under them never opens here
    again, whatever copy of a topic or of this store survives."""
    event: PersonErased = envelope.data
    now = clock()
    await uow.deliveries.forget(event.person_id)
    await uow.people.erase(event.person_id, now)
    await keys.book.erase(uow.session, [event.person_id, *event.subjects], event.at)
