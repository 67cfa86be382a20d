"""Staff JSON API: the delivery log (who was told what, when, on which channel, with what
result) and the texts people sent back. No contact details in the log, only person ids."""
from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from vod_shared.events import SealedDetails
from vod_shared.staff import Role, require_roles

from notifications.adapters.contacts import ContactKeys
from notifications.adapters.repository import as_utc
from notifications.domain.delivery import Status
from notifications.service_layer.unit_of_work import UnitOfWork


# Who was told what, and what people texted back: staff who work with victims.
require_staff = require_roles(Role.INTAKE, Role.COORDINATOR, Role.ADMIN)


class DeliveryRead(BaseModel):
    id: str
    subject: str
    reference: str
    cause_event_id: str
    recipient_id: str
    channel: str
    template: str
    status: Status
    reason: str | None
    attempts: int
    created_at: datetime | None
    due_at: datetime
    first_attempt_at: datetime | None
    finished_at: datetime | None
    provider_id: str | None
    awaiting_contact: bool


class InboundTextRead(BaseModel):
    message_sid: str
    person_id: str | None
    received_at: datetime
    reply: str
    from_number: str
    body: str


def staff_router(*, uow: Callable[[], UnitOfWork], keys: ContactKeys) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["staff"], dependencies=[Depends(require_staff)])

    @router.get("/deliveries", response_model=list[DeliveryRead],
                summary="The delivery log, newest first")
    async def deliveries(case_id: str | None = None,
                         subject: str | None = Query(None, description="case or registration id"),
                         recipient_id: str | None = None, status: Status | None = None,
                         limit: int = Query(200, ge=1, le=1000)) -> list[DeliveryRead]:
        async with uow() as unit:
            rows = await unit.deliveries.listing(
                subject=case_id or subject, recipient_id=recipient_id,
                status=status.value if status else None, limit=limit)
        return [DeliveryRead(**{k: v for k, v in delivery.__dict__.items()
                                if k in DeliveryRead.model_fields},
                             awaiting_contact=not has_contact)
                for delivery, has_contact in rows]

    @router.get("/inbound-sms", response_model=list[InboundTextRead],
                summary="Texts people sent back, newest first")
    async def inbound(limit: int = Query(100, ge=1, le=1000)) -> list[InboundTextRead]:
        async with uow() as unit:
            rows = await unit.inbound.latest(limit)
        texts = []
        for row in rows:
            opened = keys.open_own(SealedDetails.model_validate_json(row.sealed),
                                   about=row.message_sid)
            texts.append(InboundTextRead(message_sid=row.message_sid, person_id=row.person_id,
                                         received_at=as_utc(row.received_at), reply=row.reply,
                                         from_number=opened["from"], body=opened["body"]))
        return texts

    return router
