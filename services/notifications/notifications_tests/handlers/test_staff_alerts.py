"""Where a person must act, the program's staff mailbox is told: the case reference and what is
needed, never whom it concerns nor how to reach them. Without a mailbox, a log line instead."""
from structlog.testing import capture_logs

from notifications.domain.delivery import OutcomeUnknown, PermanentFailure, Sent

from ..support import STAFF_MAILBOX, eligibility, new_id, request

PRIVATE = ("Ana", "López", "ana@example.org", "+16195550100", "6195550100")


async def _case(harness, clock, **details):
    person, case = new_id(), new_id()
    await harness.person(person, **details)
    await harness.deliver(request(case, person, at=clock()), subject=case)
    return person, case


def _to_staff(harness):
    return [m["message"] for m in harness.email.sent if m["to"] == STAFF_MAILBOX]


def _names_no_one(message):
    for text in (message.subject, message.text, message.html):
        assert not any(detail in text for detail in PRIVATE), text


async def test_a_request_that_needs_review_alerts_staff_once(configured, clock):
    person, case = await _case(configured, clock)
    envelope = await configured.deliver(eligibility(case, "needs_review", at=clock()),
                                        subject=case)
    await configured.redeliver(envelope)
    await configured.send_due()
    [alert] = _to_staff(configured)
    assert alert.subject == "Review needed: eligibility of VOD-2026-000123"
    assert "not_in_registry" in alert.text and case in alert.text
    _names_no_one(alert)
    # The requester heard too, gently, and in her own email.
    assert [m["to"] for m in configured.email.sent].count("ana@example.org") == 2


def _words(message):
    return " ".join(message.text.split())


async def test_the_review_alert_says_the_requester_is_being_told_only_when_it_goes_now(
        configured, clock):
    person, case = await _case(configured, clock)
    await configured.deliver(eligibility(case, "needs_review", at=clock()), subject=case)
    await configured.send_due()
    [alert] = _to_staff(configured)
    assert "A message is on its way to the requester" in _words(alert)
    assert "not been told" not in _words(alert)


async def test_while_the_case_is_paused_the_review_alert_says_she_has_not_been_told_yet(
        configured, clock):
    from vod_shared.events import CasePaused
    person, case = await _case(configured, clock)
    await configured.deliver(CasePaused(case_id=case, by="victim", reason="x", at=clock()),
                             subject=case)
    await configured.deliver(eligibility(case, "needs_review", at=clock()), subject=case)
    await configured.send_due()
    [alert] = _to_staff(configured)
    assert "The requester has not been told yet: the case is paused." in _words(alert)
    assert "has been told" not in _words(alert) and "on its way" not in _words(alert)
    _names_no_one(alert)
    assert [d.status for d in await configured.deliveries(subject=case)
            if d.template == "eligibility_needs_review"] == ["paused"]


async def test_a_failed_and_an_unknown_delivery_each_alert_staff(configured, clock):
    configured.email.script.extend([PermanentFailure("smtp_recipient_refused:550"),
                                    OutcomeUnknown("smtp_cut_off_after_data:TimeoutError")])
    await _case(configured, clock)
    await _case(configured, clock)
    await configured.send_due()
    failed, unknown = _to_staff(configured)
    assert failed.subject == "Message not delivered: VOD-2026-000123"
    assert "request_acknowledged" in failed.text and "smtp_recipient_refused:550" in failed.text
    assert unknown.subject.startswith("Message may not have been delivered")
    assert "before sending it again" in " ".join(unknown.text.split())
    for alert in (failed, unknown):
        _names_no_one(alert)


async def test_an_alert_that_fails_is_not_alerted_again(configured, clock):
    configured.email.script.extend([PermanentFailure("smtp_rejected:554"),
                                    PermanentFailure("smtp_rejected:554")])
    await _case(configured, clock)
    await configured.send_due()
    statuses = sorted((d.recipient_id == "staff-mailbox", d.status)
                      for d in await configured.deliveries())
    assert statuses == [(False, "failed"), (True, "failed")]


async def test_without_a_mailbox_an_alert_is_a_log_line(harness, clock):
    person, case = await _case(harness, clock)
    with capture_logs() as logs:
        await harness.deliver(eligibility(case, "needs_review", at=clock()), subject=case)
    await harness.send_due()
    [line] = [entry for entry in logs if entry["event"] == "staff_alert.not_emailed"]
    assert (line["alert"], line["reference"]) == ("staff_needs_review", "VOD-2026-000123")
    assert not any(detail in str(line) for detail in PRIVATE)
    assert {d.recipient_id for d in await harness.deliveries()} == {person}


async def test_a_bounced_calendar_cancellation_after_a_withdrawal_asks_no_one_to_reach_her(
        configured, clock):
    from datetime import datetime, timedelta, timezone

    from vod_shared.events import CaseWithdrawn, SessionCancelled

    from ..support import session
    person, case = await _case(configured, clock)
    event = session(case, starts_at=clock() + timedelta(days=14))
    await configured.deliver(event, subject=case)
    await configured.send_due()
    await configured.deliver(CaseWithdrawn(case_id=case, by="victim", at=clock()), subject=case)
    await configured.deliver(SessionCancelled(case_id=case, session_id=event.session_id,
                                              reason="case_withdrawn", sequence=1, at=clock()),
                             subject=case)
    configured.email.script.extend([Sent("ok"), PermanentFailure("smtp_rejected:552")])
    await configured.send_due()
    assert [(d.template, d.status) for d in await configured.deliveries(subject=case)
            if d.template == "session_cancelled"] == [("session_cancelled", "failed")]
    assert _to_staff(configured) == []


async def test_a_message_whose_key_never_comes_alerts_staff_once_and_keeps_waiting(
        configured, clock):
    person, case = new_id(), new_id()
    await configured.person(person, key=False)  # her key never arrives on vod.keys
    await configured.deliver(request(case, person, at=clock()), subject=case)
    await configured.send_due()
    clock.move(minutes=5)
    await configured.send_due()
    assert _to_staff(configured) == []  # a key a moment late is normal
    clock.move(minutes=6)
    await configured.send_due()
    clock.move(minutes=1)
    await configured.send_due()
    [alert] = _to_staff(configured)
    assert alert.subject == "Message waiting for the person's key: VOD-2026-000123"
    assert "11 minutes" in alert.text and "nothing has been sent" in alert.text
    _names_no_one(alert)
    assert [m for m in configured.email.sent if m["to"] != STAFF_MAILBOX] == []

    await configured.grant(person)  # the key comes at last: her message goes, once
    clock.move(seconds=6)
    await configured.send_due()
    assert [m["to"] for m in configured.email.sent].count("ana@example.org") == 1
