"""The rules behind the victim's own page (pure): her changes to a registration."""
from datetime import datetime, timedelta, timezone

from vod_shared.events import (
    Channel,
    CustodyChange,
    CustodyNoticeKind as Kind,
    Language,
    Relationship,
)

from notifications.domain import registrations, rules
from notifications.domain.delivery import Delivery, Status
from notifications.domain.model import Registration

NOW = datetime(2026, 11, 19, 18, 0, tzinfo=timezone.utc)


def _registration(*kinds):
    return Registration("reg-1", "p1", Relationship.VICTIM, "AB1234", frozenset(kinds),
                        Language.EN, Channel.SMS, NOW)


def _waiting(template, change=None, *, did="d-1", subject="reg-1"):
    params = {"change": change} if change else {}
    return Delivery(id=did, seq=1, cause_event_id="e-1", recipient_id="p1", channel="sms",
                    template=template, subject=subject, reference="REG-1", language="en",
                    params=params, urgent=False, status=Status.PENDING, due_at=NOW)


def test_a_change_drops_only_the_waiting_notices_no_longer_chosen():
    changed = registrations.change_kinds(_registration(Kind.TRANSFER, Kind.ESCAPE), [Kind.ESCAPE])
    waiting = [_waiting("registration_acknowledged", did="ack"),
               _waiting("custody_transfer", "transfer", did="transfer"),
               _waiting("custody_return", "return", did="return"),
               _waiting("custody_escape", "escape", did="escape"),
               _waiting("custody_release", "release", did="other", subject="reg-2")]
    assert registrations.no_longer_wanted(changed, waiting) == ["transfer"]
    assert rules.hears_of(CustodyChange.RETURN, changed)


def test_a_cancelled_registration_hears_nothing_and_drops_all_that_waits():
    cancelled = registrations.cancel(_registration(*Kind), NOW)
    assert not cancelled.active
    assert not any(rules.hears_of(change, cancelled) for change in CustodyChange)
    waiting = [_waiting("registration_acknowledged", did="ack"),
               _waiting("custody_parole_hearing_reminder", "parole_hearing", did="reminder")]
    assert registrations.no_longer_wanted(cancelled, waiting) == ["ack", "reminder"]
    later = registrations.cancel(cancelled, NOW + timedelta(days=1))
    assert later.cancelled_at == NOW  # cancelled once
