"""Intake's handlers: check the program's rules, save, and emit, in one unit of work."""
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import structlog

from vod_shared.envelope import Envelope
from vod_shared.events import (
    CaseClosed,
    CasePaused,
    CaseResumed,
    EligibilityDetermined,
    EventData,
    PersonRegistered,
    SealedDetails,
)
from vod_shared.topics import Topics

from intake.adapters.vault import Vault
from intake.domain import door, rules
from intake.domain.commands import (
    ChangeCase,
    RegisterForCustodyNotices,
    Requester,
    RequestDialogue,
)
from intake.domain.errors import CaseNotFound, SubjectErased
from intake.domain.model import Case, Registration, format_reference
from intake.service_layer.data_keys import DataKeys
from intake.service_layer.unit_of_work import UnitOfWork


log = structlog.get_logger()


@dataclass(frozen=True)
class Accepted:
    status_code: int
    body: dict
    duplicate: bool = False  # the answer given before to the same webhook-id


@dataclass(frozen=True)
class Context:
    """What the handlers need besides the unit of work."""

    topics: Topics
    clock: Callable[[], datetime]
    vault: Vault  # the blind index, and what waits sealed under intake's own key
    keys: DataKeys  # sealing under a person's or case's own key


async def request_dialogue(command: RequestDialogue, uow: UnitOfWork, ctx: Context) -> Accepted:
    """A victim or surviving family member asks for a dialogue (see ``open_or_join``)."""
    accepted = await open_or_join(command, uow, ctx)
    await uow.commit()
    return accepted


async def register_for_custody_notices(command: RegisterForCustodyNotices, uow: UnitOfWork,
                                       ctx: Context) -> Accepted:
    """Form 1707: a victim, family member or testifying witness asks to be told of custody changes."""
    accepted = await register(command, uow, ctx)
    await uow.commit()
    return accepted


async def open_or_join(command: RequestDialogue, uow: UnitOfWork, ctx: Context) -> Accepted:
    """Open a case and announce it, or, if the requester already has an open case about this
    offender (proven by the same contact), join the request to it (announced as repeated).
    Any other overlap with an open case opens a new one and tells staff of a possible
    duplicate. Not committed: the caller commits."""
    if earlier := await _earlier_answer(uow, command.webhook_id):
        return earlier
    requester = command.requester
    rules.check_may_request_dialogue(requester.relationship)
    rules.check_contact_for_channel(requester.preferred_channel, email=requester.email,
                                    phone=requester.phone)
    contacts = _contacts(ctx, command)
    now = ctx.clock()
    others = await uow.cases.open_cases_of_contacts(contacts, command.cdcr_number)
    case = await _case_it_joins(uow, command, contacts, others)
    if case is None:
        case = await _open_case(command, uow, ctx, contacts, now)
        for other in others:
            case.may_duplicate(other, door.overlaps(contacts, await uow.people.contacts(
                other.requester_id)), now=now)
    else:
        # Saved over the version read, so a withdrawal meanwhile makes this a new case instead.
        # What she wrote this time is about the case it joins.
        case.asked_again(source=command.source,
                         details=await _case_details(uow, ctx, command, case.case_id), now=now)
        await uow.cases.save(case)
    await emit_all(uow, case.events, topic=ctx.topics.intake, subject=case.case_id)
    uow.about_case(case.case_id)
    accepted = Accepted(202, {"case_id": case.case_id, "reference": case.reference})
    return await _answer(uow, command.webhook_id, accepted)


async def _case_it_joins(uow: UnitOfWork, command: RequestDialogue, contacts: list[door.Contact],
                         others: list[Case]) -> Case | None:
    """The open case this request repeats, if the contact it proved is that case's own."""
    for other in others:
        if door.joins_open_case(asked=contacts, channel_kind=command.requester.channel_kind(),
                                requester=await uow.people.contacts(other.requester_id),
                                same_relationship=other.relationship
                                == command.requester.relationship):
            return other
    return None


async def _case_details(uow: UnitOfWork, ctx: Context, command: RequestDialogue,
                        case_id: str) -> SealedDetails:
    """What the requester wrote about the offender, sealed under the key of the case it goes
    to (erased with her)."""
    return await ctx.keys.seal(uow, command.case_details(), rules.CASE_DETAILS, about=case_id)


async def _open_case(command: RequestDialogue, uow: UnitOfWork, ctx: Context,
                     contacts: list[door.Contact], now: datetime) -> Case:
    requester = command.requester
    person_id = await _add_person(uow, ctx, requester, contacts, now, shown_to_staff=True,
                                  unproven=command.unproven)
    reference = format_reference(now.year, await uow.cases.next_reference_number(now.year))
    case_id = str(uuid.uuid4())
    await ctx.keys.new_subject(uow, case_id)
    logistics = await ctx.keys.seal(uow, {"offer_travel_accommodation":
                                          rules.offer_travel_accommodation(requester.state)},
                                    rules.TRAVEL, about=case_id)
    case = Case.open(
        case_id=case_id, reference=reference, requester_id=person_id,
        relationship=requester.relationship, cdcr_number=command.cdcr_number,
        language=requester.preferred_language, channel=requester.preferred_channel,
        source=command.source, now=now,
        logistics=logistics)
    await uow.cases.add(case, sealed_details=await _case_details(uow, ctx, command, case_id))
    return case


async def register(command: RegisterForCustodyNotices, uow: UnitOfWork, ctx: Context) -> Accepted:
    """Records a form-1707 registration and announces it. Not committed: the caller commits."""
    if earlier := await _earlier_answer(uow, command.webhook_id):
        return earlier
    requester = command.requester
    rules.check_may_register(requester.relationship, command.notify_on)
    rules.check_contact_for_channel(requester.preferred_channel, email=requester.email,
                                    phone=requester.phone)
    now = ctx.clock()
    contacts = _contacts(ctx, command)
    person_id = command.registrant_id or await _add_person(
        uow, ctx, requester, contacts, now, shown_to_staff=False, unproven=command.unproven)
    registration = Registration.register(
        registration_id=str(uuid.uuid4()), registrant_id=person_id,
        relationship=requester.relationship, cdcr_number=command.cdcr_number,
        notify_on=command.notify_on, language=requester.preferred_language,
        channel=requester.preferred_channel, now=now)
    await uow.registrations.add(registration)
    await emit_all(uow, registration.events, topic=ctx.topics.intake,
                subject=registration.registration_id)
    accepted = Accepted(202, {"registration_id": registration.registration_id})
    return await _answer(uow, command.webhook_id, accepted)


async def change_case(command: ChangeCase, uow: UnitOfWork, ctx: Context) -> Case:
    """Pause, resume or withdraw, by the victim or by staff for them."""
    case = await uow.cases.get(command.case_id)
    if case is None:
        raise CaseNotFound(command.case_id)
    step = {"pause": case.pause, "resume": case.resume, "withdraw": case.withdraw}[command.action]
    now = ctx.clock()
    # Her choice needs no reason, and what staff wrote is not for the event log.
    step(by=command.by, reason=None, now=now)
    await uow.cases.save(case)
    if command.note:
        try:
            sealed = await ctx.keys.seal(uow, {"note": command.note}, rules.OWN_COPY,
                                         about=case.case_id)
        except SubjectErased:
            # Her details were erased: what staff write about her is not kept either.
            log.info("case_note.not_kept", case_id=case.case_id, reason="requester_erased")
        else:
            await uow.cases.add_note(case.case_id, author=command.author or "", at=now,
                                     sealed=sealed)
    await emit_all(uow, case.events, topic=ctx.topics.intake, subject=case.case_id)
    await uow.commit()
    return case


async def requester_of(case_id: str, uow: UnitOfWork) -> str:
    case = await uow.cases.get(case_id)
    if case is None:
        raise CaseNotFound(case_id)
    return case.requester_id


async def follow_case_elsewhere(envelope: Envelope, uow: UnitOfWork) -> None:
    """Keeps intake's view of whether a case is open, from screening's and scheduling's events,
    so a repeated request joins only a case that is still open."""
    event = envelope.data
    case = await uow.cases.get(envelope.subject)
    if case is None:
        return
    if isinstance(event, EligibilityDetermined) and event.ends_case:
        case.closed_elsewhere(at=event.decided_at)
    elif isinstance(event, CaseClosed):
        case.closed_elsewhere(at=event.at)
    elif isinstance(event, CasePaused):
        case.paused_elsewhere()
    elif isinstance(event, CaseResumed):
        case.resumed_elsewhere()
    await uow.cases.save(case)


def _contacts(ctx: Context, command: RequestDialogue | RegisterForCustodyNotices) -> list[door.Contact]:
    """Her contacts as keyed hashes, each marked proven or not; one typed beside the proven one
    counts too, unproven: it can only ever make a possible duplicate for staff, never a join."""
    requester, unproven = command.requester, command.unproven or {}
    return ctx.vault.contacts(email=requester.email or unproven.get("email"),
                              phone=requester.phone or unproven.get("phone"),
                              confirmed=command.confirmed)


async def _add_person(uow: UnitOfWork, ctx: Context, requester: Requester,
                      contacts: list[door.Contact], now: datetime, *, shown_to_staff: bool,
                      unproven: dict | None = None) -> str:
    """Stores the person sealed under a key of her own, and publishes them, sealed, on the
    people topic (the key's grants first). A contact not proven stays in intake's store
    alone, sealed for intake."""
    person_id = str(uuid.uuid4())
    await ctx.keys.new_subject(uow, person_id)
    sealed, name = await seal_person(uow, ctx, person_id, requester.personal_details(),
                                     shown_to_staff=shown_to_staff)
    await uow.people.add(person_id, sealed, contacts, now, unproven=await ctx.keys.seal(
        uow, unproven, rules.OWN_COPY, about=person_id) if unproven else None)
    await uow.emit(PersonRegistered(person_id=person_id, sealed=sealed, staff_view=name, at=now),
                   topic=ctx.topics.people, subject=person_id)
    return person_id


async def seal_person(uow: UnitOfWork, ctx: Context, person_id: str, details: dict, *,
                      shown_to_staff: bool) -> tuple[SealedDetails, SealedDetails | None]:
    """A person's details for those who reach them, and their name alone for the staff shown
    it (a dialogue's requester): two values, so screening and scheduling never hold a contact."""
    sealed = await ctx.keys.seal(uow, details, rules.PERSON_DETAILS, about=person_id)
    name = await ctx.keys.seal(uow, {k: details.get(k) for k in ("given_name", "family_name")},
                               rules.DISPLAY_NAME, about=person_id) if shown_to_staff else None
    return sealed, name


async def emit_all(uow: UnitOfWork, events: list[EventData], *, topic: str, subject: str) -> None:
    for event in events:
        await uow.emit(event, topic=topic, subject=subject)
    events.clear()


async def _earlier_answer(uow: UnitOfWork, webhook_id: str | None) -> Accepted | None:
    if webhook_id and (earlier := await uow.receipts.get(webhook_id)):
        return Accepted(*earlier, duplicate=True)
    return None


async def _answer(uow: UnitOfWork, webhook_id: str | None, accepted: Accepted) -> Accepted:
    if webhook_id:
        await uow.receipts.add(webhook_id, "requests", accepted.status_code, accepted.body)
    return accepted
