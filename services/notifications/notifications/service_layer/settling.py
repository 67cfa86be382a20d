"""A staff member settles a delivery whose outcome is unknown, after checking with the
provider (or with the person): it was sent (--> sent, announced as sent), or it was not
(--> pending, due now, and the sender sends it once more, in its turn). Only an ``unknown``
delivery can be settled, once; each settling is kept in an append-only log (who, when, how,
and a note code of theirs)."""
from datetime import datetime
from enum import StrEnum

import structlog

from notifications.domain.delivery import Delivery, Status
from notifications.service_layer.outcomes import Outcomes
from notifications.service_layer.unit_of_work import UnitOfWork

log = structlog.get_logger("notifications.settling")


class Settlement(StrEnum):
    SENT = "sent"
    NOT_SENT = "not_sent"


class NoSuchDelivery(LookupError):
    pass


class NotUnknown(Exception):
    """Only a delivery whose outcome is unknown is settled by hand."""

    def __init__(self, status: Status) -> None:
        super().__init__(status.value)
        self.status = status


async def settle(uow: UnitOfWork, outcomes: Outcomes, *, delivery_id: str,
                 outcome: Settlement, note_code: str | None, by: str,
                 now: datetime) -> Delivery:
    """Settles it, logs who did, commits; returns the delivery as it is now."""
    delivery = await uow.deliveries.get(delivery_id)
    if delivery is None:
        raise NoSuchDelivery(delivery_id)
    if delivery.status is not Status.UNKNOWN:
        raise NotUnknown(delivery.status)
    if outcome is Settlement.SENT:
        moved = await uow.deliveries.finish(delivery.id, Status.SENT, now,
                                            expected=Status.UNKNOWN, reason="settled_sent")
        if moved:
            await outcomes.announce_sent(uow, delivery, delivery.provider_id, now)
    else:
        moved = await uow.deliveries.send_again(delivery.id, now, reason="settled_not_sent")
    if not moved:  # settled a moment ago (by a colleague, or the provider's callback)
        current = await uow.deliveries.get(delivery.id)
        raise NotUnknown(current.status if current else delivery.status)
    await uow.settlements.add(delivery_id=delivery.id, at=now, username=by,
                              outcome=outcome.value, note_code=note_code)
    await uow.commit()
    log.info("delivery.settled", delivery_id=delivery.id, outcome=outcome.value, by=by,
             note_code=note_code)
    return await _current(uow, delivery.id)


async def _current(uow: UnitOfWork, delivery_id: str) -> Delivery:
    delivery = await uow.deliveries.get(delivery_id)
    assert delivery is not None
    return delivery
