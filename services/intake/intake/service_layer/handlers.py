"""Intake's handlers: check the program's rules, save, and emit, in one unit of work."""
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from vod_shared.topics import Topics

from intake.domain import rules
from intake.domain.commands import RequestDialogue
from intake.domain.model import Case, format_reference
from intake.service_layer.unit_of_work import UnitOfWork

@dataclass(frozen=True)
class Accepted:
    status_code: int
    body: dict


async def request_dialogue(command: RequestDialogue, uow: UnitOfWork, *, topics: Topics,
                           clock: Callable[[], datetime]) -> Accepted:
    """A victim or surviving family member asks for a dialogue: open a case and announce it."""
    if command.webhook_id and (earlier := await uow.receipts.get(command.webhook_id)):
        return Accepted(*earlier)
    requester = command.requester
    rules.check_may_request_dialogue(requester.relationship)
    rules.check_contact_for_channel(requester.preferred_channel, email=requester.email,
                                    phone=requester.phone)
    now = clock()
    person_id = str(uuid.uuid4())
    await uow.people.add(person_id, requester.personal_details(), now)
    reference = format_reference(now.year, await uow.cases.next_reference_number(now.year))
    case = Case.open(
        case_id=str(uuid.uuid4()), reference=reference, requester_id=person_id,
        relationship=requester.relationship, cdcr_number=command.cdcr_number,
        language=requester.preferred_language, channel=requester.preferred_channel,
        source=command.source,
        offer_travel_accommodation=rules.offer_travel_accommodation(requester.state), now=now,
    )
    await uow.cases.add(case, details=command.case_details())
    for event in case.events:
        await uow.emit(event, topic=topics.intake, subject=case.case_id)
    accepted = Accepted(202, {"case_id": case.case_id, "reference": case.reference})
    if command.webhook_id:
        await uow.receipts.add(command.webhook_id, "requests", accepted.status_code, accepted.body)
    await uow.commit()
    return accepted
