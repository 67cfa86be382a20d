"""Staff adding (or, at the victim's word, removing) the support person she brings to the
dialogue. The details go sealed; the answer and the events carry the new person's id only."""
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from vod_shared.events import Channel, Language
from vod_shared.staff import Role, StaffMember, require_roles

from intake.entrypoints.schemas import normal_contact
from intake.entrypoints.staff_audit import audited
from intake.domain.commands import AddSupportPerson, RemoveSupportPerson, SupportRelationship
from intake.service_layer.support_persons import support_persons_of

ACTS_FOR_VICTIMS = require_roles(Role.INTAKE, Role.COORDINATOR, Role.ADMIN)


class SupportPersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=32)
    relationship: SupportRelationship | None = None
    preferred_language: Language = Language.EN
    preferred_channel: Channel = Channel.EMAIL

    @field_validator("email", "phone")
    @classmethod
    def _contact(cls, value: str | None, info) -> str | None:
        """The same forms of email and phone the request form takes."""
        return None if value is None else normal_contact(info.field_name, value)


class SupportPersonOut(BaseModel):
    case_id: str
    person_id: str


class SupportPersonsOut(BaseModel):
    case_id: str
    person_ids: list[str]


def support_persons_router(*, intake, desk) -> APIRouter:
    router = APIRouter(prefix="/api/cases/{case_id}/support-persons", tags=["staff"])

    @router.post("", status_code=201, response_model=SupportPersonOut,
                 summary="Add the support person a victim brings to the dialogue")
    async def add(case_id: str, body: SupportPersonIn, request: Request,
                  staff: Annotated[StaffMember, Depends(ACTS_FOR_VICTIMS)]) -> SupportPersonOut:
        command = AddSupportPerson(case_id=case_id, by=staff.username, **body.model_dump())
        person_id = await audited(desk, request, staff, "support_person.add",
                                  lambda audit: intake.handle(command, audit=audit),
                                  case_id=case_id)
        return SupportPersonOut(case_id=case_id, person_id=person_id)

    @router.get("", response_model=SupportPersonsOut, summary="A case's support persons (ids)")
    async def listed(case_id: str, staff: Annotated[StaffMember, Depends(ACTS_FOR_VICTIMS)]
                     ) -> SupportPersonsOut:
        async with intake.runtime.uow() as uow:
            return SupportPersonsOut(case_id=case_id,
                                     person_ids=await support_persons_of(case_id, uow))

    @router.post("/{person_id}/remove", status_code=202, response_model=SupportPersonOut,
                   summary="Remove a support person at the victim's word (their details erased)")
    async def remove(case_id: str, person_id: str, request: Request,
                     staff: Annotated[StaffMember, Depends(ACTS_FOR_VICTIMS)]) -> SupportPersonOut:
        command = RemoveSupportPerson(case_id=case_id, person_id=person_id, by=staff.username)
        await audited(desk, request, staff, "support_person.remove",
                      lambda audit: intake.handle(command, audit=audit), case_id=case_id,
                      detail=person_id)
        return SupportPersonOut(case_id=case_id, person_id=person_id)

    return router
