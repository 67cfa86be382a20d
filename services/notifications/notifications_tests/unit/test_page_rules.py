"""The rules behind the victim's own page (pure): her withdrawal that can be undone, her changes
to a registration, and the channel she prefers when a message goes."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from vod_shared.events import (
    WITHDRAWAL_PENDING,
    WITHDRAWAL_UNDONE,
    ActedBy,
    Channel,
    CustodyChange,
    CustodyNoticeKind as Kind,
    Language,
    Relationship,
)

from notifications.domain import registrations, rules, schedule
from notifications.domain.delivery import Delivery, Status, channel_now
from notifications.domain.model import Case, CaseState, Registration

from ..support import custody, session

NOW = datetime(2026, 11, 19, 18, 0, tzinfo=timezone.utc)


def _case(channel=Channel.EMAIL):
    return Case("case-1", "VOD-2026-000123", "p1", "AB1234", Language.ES, channel)


def _registration(*kinds):
    return Registration("reg-1", "p1", Relationship.VICTIM, "AB1234", frozenset(kinds),
                        Language.EN, Channel.SMS, NOW)


def _step(case, step, by=ActedBy.VICTIM, reason=None):
    """Moves the case as the handler does; the message told for the step, if any."""
    was_pending = case.withdrawal_pending
    case.move_to(step, reason)
    notice = rules.confirm_case_step(case, step, by, reason, withdrawal_was_pending=was_pending)
    return notice.template if notice else None


def test_a_withdrawal_from_her_page_is_told_once_and_held_like_a_pause():
    case = _case()
    assert _step(case, "paused", reason=WITHDRAWAL_PENDING) == "case_withdrawal_pending"
    assert case.state is CaseState.PAUSED and case.withdrawal_pending
    assert _step(case, "withdrawn") is None
    assert case.state is CaseState.WITHDRAWN


@pytest.mark.parametrize("reason", [WITHDRAWAL_UNDONE, None])
def test_ending_a_pending_withdrawal_is_told_as_the_undo(reason):
    case = _case()
    _step(case, "paused", reason=WITHDRAWAL_PENDING)
    assert _step(case, "resumed", reason=reason) == "case_withdrawal_undone"
    assert case.state is CaseState.OPEN and not case.withdrawal_pending
    assert _step(case, "withdrawn") == "case_withdrawn"


def test_a_plain_pause_resume_and_withdrawal_keep_their_messages():
    case = _case()
    assert _step(case, "paused") == "case_paused"
    assert _step(case, "resumed") == "case_resumed"
    assert _step(case, "paused", by=ActedBy.FACILITATOR, reason="x") == "case_on_hold"
    assert _step(case, "withdrawn") == "case_withdrawn"


def test_a_pause_during_a_pending_withdrawal_does_not_end_it():
    case = _case()
    _step(case, "paused", reason=WITHDRAWAL_PENDING)
    _step(case, "paused", by=ActedBy.FACILITATOR, reason="staff")
    assert case.withdrawal_pending and _step(case, "withdrawn") is None


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


def _delivery(channel="sms", *, follows=True):
    return replace(_waiting("eligibility_eligible"), channel=channel, follows_preference=follows)


@pytest.mark.parametrize(("delivery", "preferred", "moved"), [
    (_delivery("sms"), "email", Channel.EMAIL),
    (_delivery("email"), "sms", Channel.SMS),
    (_delivery("sms"), "sms", None),
    (_delivery("sms"), None, None),  # no preference in her details: as planned
    (_delivery("sms"), "pigeon", None),
    (_delivery("sms", follows=False), "email", None),  # urgent, calendar, fallback, reply
])
def test_a_message_on_her_preferred_channel_follows_her_preference(delivery, preferred, moved):
    assert channel_now(delivery, preferred) == moved


def test_only_messages_on_her_preferred_channel_follow_it():
    case = _case(Channel.SMS)
    assert rules.acknowledge_request(case).preferred is Channel.SMS
    [escape] = rules.custody_notices(custody("escape", at=NOW), [_registration(Kind.ESCAPE)],
                                     now=NOW)
    assert escape.preferred is None  # on every channel, whatever she prefers
    invitation, _ = schedule.session_notices(
        case, session("case-1", starts_at=NOW + timedelta(days=30)), schedule.History(), now=NOW)
    assert invitation.channels == (Channel.SMS, Channel.EMAIL)
    assert invitation.preferred is Channel.SMS  # the email carries the calendar: it stays
    by_mail, _ = schedule.session_notices(
        _case(Channel.EMAIL), session("case-1", starts_at=NOW + timedelta(days=30)),
        schedule.History(), now=NOW)
    assert by_mail.preferred is None


@pytest.mark.parametrize(("template", "case_id"), [
    ("request_acknowledged", "subject-1"), ("case_withdrawal_pending", "subject-1"),
    ("session_invitation", "subject-1"), ("registration_acknowledged", None),
    ("custody_escape", None), ("custody_parole_hearing_reminder", None)])
def test_a_registrations_messages_link_to_her_page_without_a_case(template, case_id):
    assert rules.case_linked(template, "subject-1") == case_id
