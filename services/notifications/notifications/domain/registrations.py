"""A registrant's own changes to a form-1707 registration, from her page: which custody changes
she hears of (the whole new set, not a difference), or none any more (cancelled). Pure.

Either takes effect for what has not gone yet: a custody notice still waiting (held for the
night, a parole hearing's reminder weeks ahead) is dropped if she no longer asks for it; after a
cancellation everything about the registration still waiting is dropped, its acknowledgement
too (it would tell her of a registration she has just cancelled).
"""
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from vod_shared.events import CustodyChange, CustodyNoticeKind

from notifications.domain.delivery import Delivery
from notifications.domain.model import Registration
from notifications.domain.rules import hears_of


def change_kinds(registration: Registration,
                 notify_on: Iterable[CustodyNoticeKind]) -> Registration:
    return replace(registration, notify_on=frozenset(notify_on))


def cancel(registration: Registration, at: datetime) -> Registration:
    return replace(registration, cancelled_at=registration.cancelled_at or at)


def no_longer_wanted(registration: Registration, waiting: Iterable[Delivery]) -> list[str]:
    """The ids of the deliveries about the registration, not gone yet, that it no longer asks
    for."""
    return [d.id for d in waiting if d.subject == registration.registration_id
            and not _still_wanted(registration, d)]


def _still_wanted(registration: Registration, delivery: Delivery) -> bool:
    if not registration.active:
        return False
    change = delivery.params.get("change")
    if not delivery.template.startswith("custody_") or change is None:
        return True  # the acknowledgement of the registration
    try:
        return hears_of(CustodyChange(change), registration)
    except ValueError:
        return True  # a change this version does not know: left as it was planned
