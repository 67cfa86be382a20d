"""What screening learns from the other services' events: each case's timeline, who visits for
it, whether it is paused, people's sealed details, and the gate clearances scheduling asks for.
A custody change that takes the offender out of a facility voids the clearances for it."""
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

import structlog

from vod_shared import events as e
from vod_shared.consumer import Unprocessable
from vod_shared.envelope import Envelope
from vod_shared.person_keys import LOGISTICS, NAME
from vod_shared.sealing import CannotUnseal
from vod_shared.topics import Topics

from screening.adapters.names import NameReader
from screening.adapters.read_model import CaseVisitor
from screening.domain.clearances import Clearance, check_new_request, void_after_move
from screening.domain.errors import NotNow
from screening.domain.timeline import cases_of
from screening.service_layer.unit_of_work import UnitOfWork

Clock = Callable[[], datetime]
Handler = Callable[[Envelope, UnitOfWork], Awaitable[None]]
log = structlog.get_logger("screening.following")
SCHEDULING = "scheduling"


# The other services' events that go on a case's timeline: followed live (the bootstrap) and
# read again by a rebuild (rebuilding.py) from this one list, so the two cannot drift apart.
ON_THE_TIMELINE = (e.RequestReceived, e.RequestRepeated, e.CasePaused, e.CaseResumed,
                   e.CaseWithdrawn, e.CaseClosed, e.CustodyStatusChanged, e.FacilitatorAssigned,
                   e.MeetingScheduled, e.MeetingCancelled, e.PartyReady, e.SessionScheduled,
                   e.SessionCancelled, e.SessionCompleted, e.ClearanceRequested, e.SurveyDue,
                   e.LetterReceived, e.LetterReviewed, e.LetterKept, e.LetterDelivered,
                   e.NotificationSent, e.NotificationFailed, e.SupportPersonAdded,
                   e.SupportPersonRemoved, e.CasesLinked, e.CaseUnlinked)


async def on_timeline(envelope: Envelope, uow: UnitOfWork) -> None:
    """Every event about a case becomes a line of its timeline (custody: each open case of the
    offender)."""
    data = envelope.data
    if isinstance(data, e.CustodyStatusChanged):
        case_ids = [case.case_id for case in await uow.cases.open_for(data.cdcr_number)]
    else:
        case_ids = cases_of(data, envelope.subject)
    for case_id in case_ids:
        await uow.add_to_timeline(case_id, envelope)


async def paused_or_resumed(envelope: Envelope, uow: UnitOfWork) -> None:
    step: e.CasePaused | e.CaseResumed = envelope.data
    case = await uow.cases.get(step.case_id, for_update=True)
    if case is None:
        return
    case.pause() if isinstance(step, e.CasePaused) else case.resume()
    await uow.cases.save(case)


async def person_details(envelope: Envelope, uow: UnitOfWork, *, names: NameReader) -> None:
    """Keeps the name intake sealed for staff (``staff_view``), still sealed, once its signature
    proves intake sealed it about this person for screening: anything else goes to the dead
    letters and never replaces the person's name. A person without one (a registrant, whom no
    staff page shows) tells screening nothing.

    An erasure forgets, in the same transaction, the person's sealed name, the logistics of the
    cases they requested, and screening's copies of the keys of the person and of those cases
    (``subjects``): what was sealed under them never opens here again."""
    person = envelope.data
    if isinstance(person, e.PersonErased):
        subjects = [person.person_id, *person.subjects]
        await uow.people.erase(person.person_id, person.at)
        await uow.cases.forget_logistics(requester_id=person.person_id, case_ids=subjects)
        await names.keybook.erase(uow.session, subjects, person.at)
        return
    if person.staff_view is None:
        log.info("person.no_name_for_staff", person_id=person.person_id)
        return
    try:
        names.check(person.staff_view, NAME, about=person.person_id)
    except CannotUnseal as refused:
        raise Unprocessable(f"person details refused: {refused}") from None
    await uow.people.put(person.person_id, person.staff_view, person.at)


async def request_logistics(envelope: Envelope, uow: UnitOfWork, *, names: NameReader) -> None:
    """A request's logistics stay sealed on its case only if intake signed them about this case
    for their purpose: anything else sends the request to the dead letters (nothing of it is
    kept). Those of a case already erased (its PersonErased read first: the topics are read
    independently) are not kept either."""
    request: e.RequestReceived = envelope.data
    if request.logistics is None:
        return
    try:
        names.check(request.logistics, LOGISTICS, about=request.case_id)
    except CannotUnseal as refused:
        raise Unprocessable(f"logistics refused: {refused}") from None
    if await names.erased(uow.session, request.case_id, request.requester_id):
        await uow.cases.forget_logistics(case_ids=[request.case_id])


async def facilitators_assigned(envelope: Envelope, uow: UnitOfWork) -> None:
    assigned: e.FacilitatorAssigned = envelope.data
    facilitators = [CaseVisitor(fid, e.VisitorRole.FACILITATOR, assigned.staff_accounts.get(fid))
                    for fid in assigned.facilitator_ids]
    await uow.visitors.replace_facilitators(assigned.case_id, facilitators, assigned.at)


# The reason code of the ClearanceVoided a support person's removal makes
VOID_REASON = {e.SupportPersonRemovalReason.VICTIM_ASKED: "support_person_removed",
               e.SupportPersonRemovalReason.VICTIM_ERASED: "victim_erased",
               e.SupportPersonRemovalReason.SUPPORT_PERSON_ERASED: "support_person_erased"}


def support_person_removed(*, clock: Clock, topics: Topics) -> Handler:
    async def handle(envelope: Envelope, uow: UnitOfWork) -> None:
        """The support person is off the case (at the victim's word, or erased): they are no
        visitor of the case any more, and their clearance requests and grants here are void."""
        removed: e.SupportPersonRemoved = envelope.data
        reason = VOID_REASON[removed.why]
        await uow.visitors.remove(removed.case_id, removed.support_person_id,
                                  e.VisitorRole.SUPPORT_PERSON)
        for clearance in await uow.clearances.of_case(removed.case_id):
            if clearance.visitor_id != removed.support_person_id or not clearance.is_active:
                continue
            clearance.void(reason=reason, now=clock())
            await uow.clearances.save(clearance)
            for event in clearance.events:
                await uow.emit(event, topic=topics.screening, subject=removed.case_id)
            clearance.events.clear()

    return handle


def clearance_requested(*, clock: Clock) -> Handler:
    async def handle(envelope: Envelope, uow: UnitOfWork) -> None:
        """Scheduling asks for gate clearance (after a transfer, say): each named visitor gets
        a request waiting for a screener, unless one already stands."""
        asked: e.ClearanceRequested = envelope.data
        case = await uow.cases.get(asked.case_id)
        if case is None or not case.is_open:
            log.info("clearance_request.case_not_open", case_id=asked.case_id)
            return
        now = clock()
        existing = await uow.clearances.of_case(asked.case_id)
        for visitor in visitors_named(asked):
            await uow.visitors.add(asked.case_id, visitor, asked.at)
            try:
                check_new_request(existing, visitor_id=visitor.visitor_id,
                                  facility_code=asked.facility_code, today=now.date())
            except NotNow:
                continue
            clearance = Clearance(str(uuid.uuid4()), asked.case_id, visitor.visitor_id,
                                  visitor.role, asked.facility_code, now, SCHEDULING)
            await uow.clearances.add(clearance)
            existing.append(clearance)

    return handle


def visitors_named(asked: e.ClearanceRequested) -> list[CaseVisitor]:
    role = e.VisitorRole
    return ([CaseVisitor(asked.victim_id, role.VICTIM)] if asked.victim_id else []) + \
        [CaseVisitor(fid, role.FACILITATOR) for fid in asked.facilitator_ids] + \
        [CaseVisitor(pid, role.SUPPORT_PERSON) for pid in asked.support_person_ids]


def custody_changed(*, clock: Clock, topics: Topics) -> Handler:
    async def handle(envelope: Envelope, uow: UnitOfWork) -> None:
        change: e.CustodyStatusChanged = envelope.data
        left = change.previous_facility_code
        if not left or left == change.facility_code:
            return
        current = await uow.custody.get(change.cdcr_number)
        now_at = current.facility_code if current else change.facility_code
        now = clock()
        for case in await uow.cases.open_for(change.cdcr_number):
            for clearance in void_after_move(await uow.clearances.of_case(case.case_id),
                                             left=left, now_at=now_at, change=change.change,
                                             now=now):
                await uow.clearances.save(clearance)
                for event in clearance.events:
                    await uow.emit(event, topic=topics.screening, subject=case.case_id)
                clearance.events.clear()

    return handle


def both(*steps: Handler) -> Handler:
    """One handler doing each step in turn, in the same transaction."""
    async def handle(envelope: Envelope, uow: UnitOfWork) -> None:
        for step in steps:
            await step(envelope, uow)
    return handle
