"""Scheduling's event handlers: what the other services' news does to a case. Each runs inside
the consumer's unit of work (the inbox makes a redelivery a no-op) and is keyed by case id,
except custody news, which is keyed by the offender and reaches each of their open cases, and
a person's erasure, which reaches every case they requested."""
from vod_shared.consumer import Unprocessable
from vod_shared.envelope import Envelope
from vod_shared.events import (
    CLOSED_OFFENDER_DECLINED,
    CasePaused,
    CaseResumed,
    CaseWithdrawn,
    ClearanceDenied,
    ClearanceGranted,
    ClearanceVoided,
    CustodyStatusChanged,
    EligibilityDetermined,
    PersonErased,
    RequestReceived,
    ScreeningCompleted,
    ScreeningOutcome,
    SupportPersonAdded,
    SupportPersonRemoved,
)

from scheduling.domain.clearances import Clearance
from scheduling.domain.model import Case
from scheduling.service_layer import joint
from scheduling.service_layer.assignment import assign_waiting_cases
from scheduling.service_layer.context import Context
from scheduling.service_layer.unit_of_work import UnitOfWork


async def _known_case(uow: UnitOfWork, case_id: str) -> Case:
    case = await uow.cases.get(case_id, for_update=True)
    if case is None:
        # Screening's and intake's own topics carry a case's opening before anything else.
        raise Unprocessable(f"case {case_id} was never opened here")
    return case


async def request_received(envelope: Envelope, uow: UnitOfWork, *, ctx: Context) -> None:
    request: RequestReceived = envelope.data
    case = await uow.cases.get(request.case_id, for_update=True)
    new = case is None
    travel = await ctx.travel_offered(uow.session, request)
    case = case or Case.open(request.case_id, request.cdcr_number, ctx.clock())
    case.request_received(victim_id=request.requester_id, language=request.preferred_language,
                          travel_offered=bool(travel), now=ctx.clock(),
                          reference=request.reference)
    if travel is None:  # its requester was erased before the request was read here
        case.erase_requester_details(ctx.clock())
    await uow.save_case(case, topic=ctx.topic, new=new)


async def eligibility_determined(envelope: Envelope, uow: UnitOfWork, *, ctx: Context) -> None:
    decision: EligibilityDetermined = envelope.data
    case = await uow.cases.get(decision.case_id, for_update=True)
    new = case is None  # topics are read independently: screening's answer can come first
    case = case or Case.open(decision.case_id, decision.cdcr_number, ctx.clock())
    case.eligibility_decided(decision.outcome, reason=decision.reason,
                             ends_case=decision.ends_case, facility_code=decision.facility_code,
                             on_parole=decision.on_parole, now=ctx.clock())
    await uow.save_case(case, topic=ctx.topic, new=new)
    if case.is_ended:
        await assign_waiting_cases(uow, ctx)


async def screening_completed(envelope: Envelope, uow: UnitOfWork, *, ctx: Context) -> None:
    screening: ScreeningCompleted = envelope.data
    case = await _known_case(uow, screening.case_id)
    case.screening_completed(approved=screening.outcome is ScreeningOutcome.APPROVED,
                             # screening's finding and the closing reason share the code
                             offender_declined=CLOSED_OFFENDER_DECLINED in screening.reasons,
                             now=ctx.clock())
    await uow.save_case(case, topic=ctx.topic)
    if case.is_waiting_for_facilitator:
        await assign_waiting_cases(uow, ctx)


async def clearance_decided(envelope: Envelope, uow: UnitOfWork, *, ctx: Context) -> None:
    decision: ClearanceGranted | ClearanceDenied = envelope.data
    granted = isinstance(decision, ClearanceGranted)
    case = await _known_case(uow, decision.case_id)
    case.clearance_decided(Clearance(
        decision.clearance_id, decision.visitor_id, decision.visitor_role, decision.facility_code,
        granted, decision.decided_at, decision.expires_on if granted else None,
        None if granted else decision.reason), now=ctx.clock())
    await uow.save_case(case, topic=ctx.topic)


async def clearance_voided(envelope: Envelope, uow: UnitOfWork, *, ctx: Context) -> None:
    """The offender left the facility, so screening voided this clearance there: read as a
    clearance that no longer holds (a dialogue there is flagged until cleared anew)."""
    void: ClearanceVoided = envelope.data
    case = await _known_case(uow, void.case_id)
    case.clearance_decided(Clearance.void(
        void.clearance_id, void.visitor_id, void.visitor_role, void.facility_code,
        reason=void.reason, at=void.voided_at), now=ctx.clock())
    await uow.save_case(case, topic=ctx.topic)


async def victim_paused(envelope: Envelope, uow: UnitOfWork, *, ctx: Context) -> None:
    step: CasePaused = envelope.data
    await joint.lock_joint_dialogue(uow, step.case_id)
    case = await _known_case(uow, step.case_id)
    if not case.is_ended:
        case.pause(by=step.by, reason=step.reason, now=ctx.clock(), announce=False)
        await uow.save_case(case, topic=ctx.topic)
        await joint.put_off_for_hold(uow, ctx, case)


async def victim_resumed(envelope: Envelope, uow: UnitOfWork, *, ctx: Context) -> None:
    step: CaseResumed = envelope.data
    case = await _known_case(uow, step.case_id)
    case.resume(by=step.by, reason=step.reason, now=ctx.clock(), announce=False)
    await uow.save_case(case, topic=ctx.topic)
    if case.is_waiting_for_facilitator and not case.is_paused:
        await assign_waiting_cases(uow, ctx)


async def victim_withdrew(envelope: Envelope, uow: UnitOfWork, *, ctx: Context) -> None:
    step: CaseWithdrawn = envelope.data
    case = await _known_case(uow, step.case_id)
    case.withdraw(ctx.clock())
    await uow.save_case(case, topic=ctx.topic)
    await assign_waiting_cases(uow, ctx)


async def support_person_added(envelope: Envelope, uow: UnitOfWork, *, ctx: Context) -> None:
    added: SupportPersonAdded = envelope.data
    case = await _known_case(uow, added.case_id)
    case.support_person_added(added.support_person_id, now=ctx.clock())
    await uow.save_case(case, topic=ctx.topic)


async def support_person_removed(envelope: Envelope, uow: UnitOfWork, *, ctx: Context) -> None:
    removed: SupportPersonRemoved = envelope.data
    case = await _known_case(uow, removed.case_id)
    case.support_person_removed(removed.support_person_id, now=ctx.clock())
    await uow.save_case(case, topic=ctx.topic)


async def custody_changed(envelope: Envelope, uow: UnitOfWork, *, ctx: Context) -> None:
    change: CustodyStatusChanged = envelope.data
    if change.initial_load:
        return  # a roster's first load says where someone is; screening's answer carries it
    ended = 0
    for case_id in await uow.cases.open_for_offender(change.cdcr_number):
        case = await uow.cases.get(case_id, for_update=True)
        case.custody_changed(status=change.status, facility_code=change.facility_code,
                             effective_at=change.effective_at, now=ctx.clock())
        ended += case.is_ended
        await uow.save_case(case, topic=ctx.topic)
    if ended:
        await assign_waiting_cases(uow, ctx)


async def person_erased(envelope: Envelope, uow: UnitOfWork, *, ctx: Context) -> None:
    """Intake erased a person, with the keys of the cases they requested (``subjects``): every
    such case forgets what intake's sealed values told scheduling about it, staff's sealed
    notes on it, and the places and outcomes staff wrote of her own meetings; its stages,
    dates and meetings stay. Scheduling's copies of those keys go in
    the same transaction, and the subjects are remembered as erased (a grant read later is not
    kept). An unknown person, or one already erased, changes nothing more."""
    erased: PersonErased = envelope.data
    subjects = [erased.person_id, *erased.subjects]
    case_ids = dict.fromkeys([*await uow.cases.requested_by(erased.person_id), *erased.subjects])
    for case_id in case_ids:
        case = await uow.cases.get(case_id, for_update=True)
        if case is None:
            continue  # not a case here (yet): its request will find the key erased
        if case.erase_requester_details(ctx.clock()):
            await uow.save_case(case, topic=ctx.topic)
        await uow.notes.erase(case_id)
        await uow.letters.erase(case_id)
    await ctx.keybook.erase(uow.session, subjects, erased.at)
