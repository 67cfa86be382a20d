"""The SMS provider's status callbacks (Twilio's ``StatusCallback``): what became of a text
after the provider took it.

The text is found by its provider id (the ``MessageSid`` the provider answered with); one whose
answer never came (its outcome unknown, or still ``sending``) by the delivery id the sender put
in the callback's address, as long as it has no provider id of its own yet.

- ``queued``, ``sent``, ``delivered`` (and the provider's other in-progress words): the
  provider has it, so it went; an unknown or sending one is ``sent`` now (and announced); a
  ``delivered`` one gets its ``delivered_at``;
- ``failed``, ``undelivered``: it did not reach her; a sent, unknown or sending one fails
  with the provider's error code as its reason, announced and staff alerted, as a text the
  provider refused outright does (``Outcomes.fail``);
- anything else about a row (a failed one hearing ``delivered``, a cancelled one): nothing.

Every change is a compare-and-set on the row's status, so a replayed or late callback, or one
racing the sender's own record, changes nothing twice.
"""
import re
from dataclasses import replace
from datetime import datetime
from enum import StrEnum

import structlog

from vod_shared.events import Channel

from notifications.domain.delivery import Delivery, Status
from notifications.service_layer.outcomes import Outcomes
from notifications.service_layer.unit_of_work import UnitOfWork

log = structlog.get_logger("notifications.provider_status")

FAILED = frozenset({"failed", "undelivered"})
# The provider has the message (Twilio's words for a message on its way or arrived)
TAKEN = frozenset({"accepted", "scheduled", "queued", "sending", "sent", "delivered", "read"})
DELIVERED = "delivered"
KNOWN = FAILED | TAKEN | {"canceled", "receiving", "received", "partially_delivered"}
_ERROR_CODE = re.compile(r"\d{1,8}")
# Rows whose outcome a callback may still decide
UNDECIDED = (Status.UNKNOWN, Status.SENDING)


class Applied(StrEnum):
    SETTLED = "settled"          # the row changed
    REPLAY = "replay"            # the same news again: nothing to do
    NO_CHANGE = "no_change"      # news that changes nothing (an in-progress word, a late one)
    UNKNOWN_SID = "unknown_sid"  # no delivery of ours has that provider id


def failure_reason(status: str, error_code: str | None) -> str:
    """``sms_undelivered:30003``: the provider's word and error code (digits only)."""
    code = error_code if error_code and _ERROR_CODE.fullmatch(error_code) else "none"
    return f"sms_{status}:{code}"


async def apply_status(uow: UnitOfWork, outcomes: Outcomes, *, message_sid: str, status: str,
                       error_code: str | None, delivery_hint: str | None,
                       now: datetime) -> Applied:
    """Applies one status callback (``status`` one of ``KNOWN``) in ``uow`` and commits."""
    delivery = await _delivery_for(uow, message_sid, delivery_hint)
    if delivery is None:
        log.info("sms.status_for_unknown_message", status=status)
        return Applied.UNKNOWN_SID
    applied = await _apply(uow, outcomes, delivery, message_sid, status, error_code, now)
    await uow.commit()
    log.info("sms.status_received", delivery_id=delivery.id, status=status,
             was=delivery.status.value, applied=applied.value)
    return applied


async def _delivery_for(uow: UnitOfWork, message_sid: str,
                        hint: str | None) -> Delivery | None:
    delivery = await uow.deliveries.by_provider_id(message_sid)
    if delivery is not None or not hint:
        return delivery
    delivery = await uow.deliveries.get(hint)
    if (delivery is None or delivery.channel != Channel.SMS.value
            or delivery.provider_id is not None or delivery.status not in UNDECIDED):
        return None
    return delivery


async def _apply(uow: UnitOfWork, outcomes: Outcomes, delivery: Delivery, message_sid: str,
                 status: str, error_code: str | None, now: datetime) -> Applied:
    if status in FAILED:
        if delivery.status is Status.FAILED:
            return Applied.REPLAY
        if delivery.status in (Status.SENT, *UNDECIDED) and await outcomes.fail(
                uow, delivery, failure_reason(status, error_code), now,
                expected=delivery.status, provider_id=message_sid):
            return Applied.SETTLED
        return Applied.NO_CHANGE
    if status not in TAKEN:
        return Applied.NO_CHANGE
    delivered_at = now if status == DELIVERED else None
    if delivery.status in UNDECIDED:
        if await uow.deliveries.finish(delivery.id, Status.SENT, now, expected=delivery.status,
                                       provider_id=message_sid, delivered_at=delivered_at,
                                       reason=f"settled_by_provider:{status}"):
            await outcomes.announce_sent(uow, replace(delivery, provider_id=message_sid),
                                         message_sid, now)
            return Applied.SETTLED
        return Applied.NO_CHANGE
    if delivery.status is Status.SENT and delivered_at is not None:
        if await uow.deliveries.mark_delivered(delivery.id, delivered_at):
            return Applied.SETTLED
        return Applied.REPLAY
    return Applied.NO_CHANGE
