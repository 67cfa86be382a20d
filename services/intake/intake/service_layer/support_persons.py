"""Support persons: staff add the person a victim brings to the dialogue, sealed under a key of
their own like any person; scheduling then asks for their gate clearance and notifications
tells them of the dialogue. Removing one (the victim's word) takes them off the case and erases
their details everywhere."""
import uuid

import structlog

from vod_shared.events import (PersonRegistered, SupportPersonAdded, SupportPersonRemovalReason,
                               SupportPersonRemoved)

from intake.domain import rules
from intake.domain.commands import (
    AddSupportPerson,
    ErasedVia,
    ErasePerson,
    ErasureReason,
    RemoveSupportPerson,
)
from intake.domain.errors import CaseNotFound, CaseStepRefused, InvalidRequest, PersonNotFound
from intake.service_layer.erasure import erase_person
from intake.service_layer.handlers import Context, seal_person
from intake.service_layer.unit_of_work import UnitOfWork

log = structlog.get_logger()


async def add_support_person(command: AddSupportPerson, uow: UnitOfWork, ctx: Context) -> str:
    """Their details sealed and on ``vod.people``, then ``SupportPersonAdded``; their new id."""
    await uow.serialize_on(command.case_id)  # not beside her erasure (which takes them off)
    case = await uow.cases.get(command.case_id)
    if case is None:
        raise CaseNotFound(command.case_id)
    if not case.is_open:
        raise CaseStepRefused(f"a case that is {case.status} takes no support person")
    if await uow.keys.is_destroyed(case.case_id):  # her erasure destroyed her cases' keys
        raise CaseStepRefused("the victim of this case asked to be erased: "
                              "it takes no support person")
    try:
        rules.check_contact_for_channel(command.preferred_channel, email=command.email,
                                        phone=command.phone)
    except InvalidRequest as wrong:  # named as the support person's field, not a requester's
        raise InvalidRequest(wrong.detail, field=wrong.field.removeprefix("requester."),
                             code=wrong.code) from None
    now, person_id = ctx.clock(), str(uuid.uuid4())
    sealed, name = await seal_person(uow, ctx, person_id, command.personal_details(),
                                     shown_to_staff=True)
    # No contact lookups: a support person is never taken for a requester asking again.
    await uow.people.add(person_id, sealed, [], now)
    await uow.supporters.add(case.case_id, person_id, by=command.by, at=now)
    await uow.emit(PersonRegistered(person_id=person_id, sealed=sealed, staff_view=name, at=now),
                   topic=ctx.topics.people, subject=person_id)
    await uow.emit(SupportPersonAdded(case_id=case.case_id, support_person_id=person_id,
                                      preferred_language=command.preferred_language,
                                      preferred_channel=command.preferred_channel, at=now),
                   topic=ctx.topics.intake, subject=case.case_id)
    await uow.commit()
    log.info("support_person.added", case_id=case.case_id, person_id=person_id, by=command.by)
    return person_id


async def remove_support_person(command: RemoveSupportPerson, uow: UnitOfWork,
                                ctx: Context) -> str:
    """``SupportPersonRemoved``, then their erasure (``PersonErased``), in one transaction."""
    if await uow.cases.get(command.case_id) is None:
        raise CaseNotFound(command.case_id)
    if not await uow.supporters.remove(command.case_id, command.person_id, at=ctx.clock()):
        raise PersonNotFound(command.person_id)
    await uow.emit(SupportPersonRemoved(case_id=command.case_id,
                                        support_person_id=command.person_id, at=ctx.clock(),
                                        reason=SupportPersonRemovalReason.VICTIM_ASKED),
                   topic=ctx.topics.intake, subject=command.case_id)
    # erase_person commits, the removal with it
    return await erase_person(ErasePerson(person_id=command.person_id,
                                          reason=ErasureReason.PERSON_ASKED, by=command.by,
                                          via=ErasedVia.STAFF_API), uow, ctx)


async def support_persons_of(case_id: str, uow: UnitOfWork) -> list[str]:
    if await uow.cases.get(case_id) is None:
        raise CaseNotFound(case_id)
    return await uow.supporters.current(case_id)
