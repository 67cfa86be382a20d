"""The registrant's own changes to a registration, from her page (domain.registrations): the
kinds she hears of from now on, or none (cancelled). Neither is confirmed by a message: she
made the change on her page and sees it there. What was waiting and is no longer wanted is
dropped. An event about a registration notifications does not know (never read, or its
registrant erased) changes nothing and is not a dead letter.
"""
import structlog

from vod_shared.envelope import Envelope
from vod_shared.events import RegistrationCancelled, RegistrationChanged

from notifications.domain import registrations
from notifications.domain.model import Registration
from notifications.service_layer.planning import Clock
from notifications.service_layer.unit_of_work import UnitOfWork

log = structlog.get_logger("notifications")


async def registration_changed(envelope: Envelope, uow: UnitOfWork, *, clock: Clock) -> None:
    event: RegistrationChanged = envelope.data
    now = clock()
    await uow.observed.add(envelope, now)
    registration = await _known(uow, event.registration_id, event.registrant_id)
    if registration is None or not registration.active:
        return  # a change after a cancellation does not bring the registration back
    await _apply(uow, registrations.change_kinds(registration, event.notify_on), now,
                 reason="registration_changed")


async def registration_cancelled(envelope: Envelope, uow: UnitOfWork, *, clock: Clock) -> None:
    event: RegistrationCancelled = envelope.data
    now = clock()
    await uow.observed.add(envelope, now)
    registration = await _known(uow, event.registration_id, event.registrant_id)
    if registration is None:
        return
    await _apply(uow, registrations.cancel(registration, event.at), now,
                 reason="registration_cancelled")


async def _known(uow: UnitOfWork, registration_id: str, registrant_id: str) -> Registration | None:
    registration = await uow.registrations.get(registration_id)
    if registration is None or registration.registrant_id != registrant_id:
        log.info("registration.change_ignored", registration_id=registration_id,
                 why="unknown" if registration is None else "another_registrant")
        return None
    return registration


async def _apply(uow: UnitOfWork, registration: Registration, now, *, reason: str) -> None:
    await uow.registrations.save(registration)
    waiting = await uow.deliveries.waiting_about(registration.registration_id)
    await uow.deliveries.cancel(registrations.no_longer_wanted(registration, waiting), now=now,
                                reason=reason)
