"""Recording what became of a delivery, and announcing every end state on the notifications
topic (through the outbox, in the same transaction)."""
import uuid
from collections.abc import Callable
from datetime import datetime

import structlog

from vod_shared.events import Channel, Language, NotificationFailed, NotificationSent
from vod_shared.topics import Topics

from notifications.domain.delivery import (
    OUTCOME_UNKNOWN,
    Delivery,
    Outcome,
    OutcomeUnknown,
    RetryPolicy,
    Sent,
    Status,
    TemporaryFailure,
)
from notifications.domain.model import Notice
from notifications.domain.staff import delivery_problem
from notifications.service_layer.staff_alerts import StaffAlerts
from notifications.service_layer.unit_of_work import UnitOfWork

log = structlog.get_logger("notifications.sender")


class Outcomes:
    def __init__(self, *, uow: Callable[[], UnitOfWork], topics: Topics,
                 policy: RetryPolicy, alerts: StaffAlerts | None = None) -> None:
        self._uow, self._topics, self._policy = uow, topics, policy
        self._alerts = alerts or StaffAlerts()

    async def record(self, delivery: Delivery, outcome: Outcome, now: datetime) -> None:
        """After a send: sent, failed, unknown, or pending again for a later try."""
        await self.record_all([(delivery, outcome)], now)

    async def record_all(self, results: list[tuple[Delivery, Outcome]], now: datetime, *,
                         wake: bool = True) -> None:
        """``record`` for the sends that came back together, in one transaction: the sent
        ones in two statements, their announcements in one outbox statement (at commit).
        ``wake=False``: the sender's own record, whose lane carries on (no need to wake it)."""
        uow = self._uow()
        uow.wakes_sender = wake
        async with uow:
            # A row declared unknown meanwhile (its lease ran out): now we know better.
            recorded = await uow.deliveries.finish_sent(
                {d.id: o.provider_id for d, o in results if isinstance(o, Sent)}, now)
            for delivery, outcome in results:
                if isinstance(outcome, Sent):
                    if delivery.id in recorded:
                        await self.announce_sent(uow, delivery, outcome.provider_id, now)
                elif isinstance(outcome, TemporaryFailure):
                    await self._retry_or_give_up(uow, delivery, outcome, now)
                elif isinstance(outcome, OutcomeUnknown):
                    await self.fail(uow, delivery, OUTCOME_UNKNOWN, now, status=Status.UNKNOWN,
                                    detail=outcome.reason)
                else:
                    await self.fail(uow, delivery, outcome.reason, now)
            await uow.commit()
        for delivery, outcome in results:
            log.info("delivery.attempted", delivery_id=delivery.id, channel=delivery.channel,
                     template=delivery.template, subject=delivery.subject,
                     attempt=delivery.attempts + 1, outcome=type(outcome).__name__,
                     reason=getattr(outcome, "reason", None))

    async def _retry_or_give_up(self, uow: UnitOfWork, delivery: Delivery,
                                outcome: TemporaryFailure, now: datetime) -> None:
        next_try = self._policy.next_attempt(
            now=now, first_attempt_at=delivery.first_attempt_at or now,
            attempts=delivery.attempts + 1, retry_after_s=outcome.retry_after_s)
        if next_try is None:
            await self.fail(uow, delivery, f"gave_up:{outcome.reason}", now)
        else:
            await uow.deliveries.retry_at(delivery.id, next_try, outcome.reason)

    @property
    def alerts(self) -> StaffAlerts:
        return self._alerts

    async def fail(self, uow: UnitOfWork, delivery: Delivery, reason: str, now: datetime, *,
                   status: Status = Status.FAILED, expected: Status = Status.SENDING,
                   detail: str | None = None, provider_id: str | None = None) -> bool:
        """``expected`` --> failed (or unknown), announced, and staff alerted; False if the row
        was not ``expected`` any more (someone else recorded it first)."""
        if not await uow.deliveries.finish(delivery.id, status, now, expected=expected,
                                           reason=detail or reason, provider_id=provider_id):
            return False
        await uow.emit(NotificationFailed(
            notification_id=delivery.id, cause_event_id=delivery.cause_event_id,
            recipient_id=delivery.recipient_id, channel=Channel(delivery.channel),
            template=delivery.template, reason=reason, failed_at=now),
            topic=self._topics.notifications, subject=delivery.subject,
            event_id=_event_id(delivery, status))
        # A person has to reach them another way, or check with the provider first.
        problem = delivery_problem(delivery, status, detail or reason)
        await self._alerts.raise_alert(uow, problem, cause_id=delivery.id, now=now)
        return True

    async def announce_sent(self, uow: UnitOfWork, delivery: Delivery, provider_id: str | None,
                            now: datetime) -> None:
        await uow.emit(NotificationSent(
            notification_id=delivery.id, cause_event_id=delivery.cause_event_id,
            recipient_id=delivery.recipient_id, channel=Channel(delivery.channel),
            template=delivery.template, provider_id=provider_id, sent_at=now),
            topic=self._topics.notifications, subject=delivery.subject,
            event_id=_event_id(delivery, Status.SENT))

    async def interrupted(self, cut_off: list[Delivery], now: datetime) -> None:
        """Rows left mid-send by a crash: the message may have gone. Staff decide."""
        for delivery in cut_off:
            async with self._uow() as uow:
                await self.fail(uow, delivery, OUTCOME_UNKNOWN, now, status=Status.UNKNOWN,
                                detail="interrupted_while_sending")
                await uow.commit()
            log.warning("delivery.outcome_unknown", delivery_id=delivery.id,
                        channel=delivery.channel, subject=delivery.subject)


def copy_on(delivery: Delivery, channel: Channel) -> Notice:
    """The same message for the same person on another channel (a fallback)."""
    return Notice(recipient_id=delivery.recipient_id, template=delivery.template,
                  channels=(channel,), subject=delivery.subject, reference=delivery.reference,
                  language=Language(delivery.language), params=tuple(delivery.params.items()),
                  urgent=delivery.urgent)


def _event_id(delivery: Delivery, status: Status) -> str:
    # One announcement per end state of a delivery, even if recorded twice.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"vod:notification:{delivery.id}:{status.value}"))
