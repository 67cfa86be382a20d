"""Staff JSON API: the delivery log (who was told what, when, on which channel, with what
result), settling a delivery whose outcome is unknown, and the texts people sent back. No
contact details in the log, only person ids."""
from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from vod_shared.events import SealedDetails
from vod_shared.problems import Problem
from vod_shared.staff import Role, StaffMember, require_roles

from notifications.adapters.contacts import ContactKeys
from notifications.adapters.repository import as_utc
from notifications.adapters.staff_reads import StaffReads
from notifications.domain.delivery import Delivery, Status
from notifications.entrypoints.staff_audit import entry, record
from notifications.service_layer.outcomes import Outcomes
from notifications.service_layer.settling import NoSuchDelivery, NotUnknown, Settlement, settle
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
    delivered_at: datetime | None
    awaiting_contact: bool


class SettleIn(BaseModel):
    """What a staff member found out about a delivery whose outcome was unknown."""

    model_config = {"extra": "forbid"}
    outcome: Settlement = Field(description="sent: it went (nothing is sent again); not_sent: "
                                            "it did not (it is sent once more)")
    note_code: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$",
                                  description="a code of the office's (e.g. provider_checked), "
                                              "never free text about the person")


class SettlementRead(BaseModel):
    delivery_id: str
    at: datetime
    username: str
    outcome: Settlement
    note_code: str | None


class InboundTextRead(BaseModel):
    message_sid: str
    person_id: str | None
    received_at: datetime
    reply: str
    from_number: str
    body: str


def _read(delivery: Delivery, has_contact: bool) -> DeliveryRead:
    return DeliveryRead(**{k: v for k, v in delivery.__dict__.items()
                           if k in DeliveryRead.model_fields}, awaiting_contact=not has_contact)


def staff_router(*, uow: Callable[[], UnitOfWork], keys: ContactKeys, outcomes: Outcomes,
                 clock: Callable[[], datetime]) -> APIRouter:
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
        return [_read(delivery, has_contact) for delivery, has_contact in rows]

    @router.post("/deliveries/{delivery_id}/settle", response_model=DeliveryRead,
                 summary="Settle a delivery whose outcome is unknown: it was sent, or it was "
                         "not (then it is sent once more)",
                 responses={404: {"description": "No such delivery"},
                            409: {"description": "Its outcome is not unknown (any more)"}})
    async def settle_delivery(body: SettleIn, request: Request,
                              delivery_id: str = Path(max_length=64),
                              staff: StaffMember = Depends(require_staff)) -> DeliveryRead:
        detail = f"{delivery_id} {body.outcome.value}"
        async with uow() as unit:
            try:
                # Its audit entry first, in the transaction ``settle`` commits: none without it.
                await StaffReads(unit.session).audit(entry(
                    request, staff, "delivery.settle", "done", clock(), detail=detail))
                delivery = await settle(unit, outcomes, delivery_id=delivery_id,
                                        outcome=body.outcome, note_code=body.note_code,
                                        by=staff.username, now=clock())
            except NoSuchDelivery:
                await unit.rollback()  # the try's entry goes alone
                await record(uow, entry(request, staff, "delivery.settle", "refused_not_found",
                                        clock(), detail=detail))
                raise Problem(404, "No such delivery") from None
            except NotUnknown as refused:
                await unit.rollback()  # the try's entry goes alone
                await record(uow, entry(request, staff, "delivery.settle", "refused_not_now",
                                        clock(), detail=detail))
                raise Problem(409, "Outcome not unknown",
                              f"This delivery is {refused.status.value}; only one whose outcome "
                              "is unknown is settled by hand.") from None
        return _read(delivery, True)

    @router.get("/delivery-settlements", response_model=list[SettlementRead],
                summary="Unknown deliveries staff settled (who, when, how), newest first")
    async def settlements(delivery_id: str | None = Query(None, max_length=64),
                          limit: int = Query(200, ge=1, le=1000)) -> list[SettlementRead]:
        async with uow() as unit:
            rows = await unit.settlements.latest(delivery_id=delivery_id, limit=limit)
        return [SettlementRead(**row.__dict__) for row in rows]

    @router.get("/inbound-sms", response_model=list[InboundTextRead],
                summary="Texts people sent back, newest first")
    async def inbound(request: Request, staff: StaffMember = Depends(require_staff),
                      limit: int = Query(100, ge=1, le=1000)) -> list[InboundTextRead]:
        async with uow() as unit:
            rows = await unit.inbound.latest(limit)
            # Their numbers and words, opened below: the read is audited first.
            await StaffReads(unit.session).audit(entry(request, staff, "texts.read", "done",
                                                       clock(), detail=f"{len(rows)} texts"))
            await unit.commit()
        texts = []
        for row in rows:
            opened = keys.open_own(SealedDetails.model_validate_json(row.sealed),
                                   about=row.message_sid)
            texts.append(InboundTextRead(message_sid=row.message_sid, person_id=row.person_id,
                                         received_at=as_utc(row.received_at), reply=row.reply,
                                         from_number=opened["from"], body=opened["body"]))
        return texts

    return router
