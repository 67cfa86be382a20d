"""A parole hearing reported fewer than 90 days ahead (Penal Code 3043 asks for 90): staff are
alerted at once, each victim or family member registered for hearings is told once, saying
the date plainly and that it is soon, and reminded 14 days before; a witness is told nothing.
Through the real handlers and sender, with a clock we move."""
from datetime import date, timedelta

from ..support import STAFF_MAILBOX, custody, new_id, registration


async def _registered(harness, clock, *, relationship, notify_on, email):
    person, reg = new_id(), new_id()
    await harness.person(person, preferred_channel="email", email=email)
    await harness.deliver(registration(reg, person, notify_on=notify_on, channel="email",
                                       relationship=relationship, at=clock()), subject=reg)
    return reg


def _to(harness, address: str) -> list:
    return [m["message"] for m in harness.email.sent if m["to"] == address]


async def test_a_hearing_60_days_ahead_alerts_staff_tells_registrants_once_and_reminds_them(
        configured, clock):
    harness = configured
    victim = await _registered(harness, clock, relationship="victim", notify_on=[
        "parole_hearing"], email="ana@example.org")
    await _registered(harness, clock, relationship="surviving_family_member",
                      notify_on=["parole_hearing", "release"], email="luis@example.org")
    # Hearings are for victims and families only: a witness whose registration names them
    # (intake refuses that, but a registration may be older than the rule) hears nothing.
    await _registered(harness, clock, relationship="witness", email="wit@example.org",
                      notify_on=["parole_hearing", "release", "transfer"])
    await harness.send_due()
    harness.email.sent.clear()

    hearing = (clock() + timedelta(days=60)).date()
    reported = await harness.deliver(custody("parole_hearing", at=clock(), hearing_date=hearing),
                                     subject="AB1234")
    await harness.redeliver(reported)
    await harness.send_due()

    [alert] = _to(harness, STAFF_MAILBOX)
    plain_date = f"{hearing:%B} {hearing.day}, {hearing.year}"  # e.g. January 18, 2027
    assert plain_date in alert.subject and "AB1234" in alert.subject
    said = " ".join(alert.text.split())
    assert "only 60 days away" in said and "2 registrations are being told now" in said
    assert "REG-" + victim.replace("-", "")[:8].upper() in said
    for personal in ("ana@", "luis@", "wit@", "+1619", "Ana"):
        assert personal not in said

    for address in ("ana@example.org", "luis@example.org"):
        [notice] = _to(harness, address)
        words = " ".join(notice.text.split())
        assert plain_date in words and "less than 90 days from now" in words
        assert "reminder closer to the date" in words
    assert _to(harness, "wit@example.org") == []

    # Nothing more until the reminder, 14 days before the hearing (10:00 in California).
    clock.move(days=45)
    await harness.send_due()
    assert len(harness.email.sent) == 3
    clock.move(days=1)
    await harness.send_due()
    reminders = [m for m in harness.email.sent[3:] if m["message"].subject.startswith("Reminder")]
    assert sorted(m["to"] for m in reminders) == ["ana@example.org", "luis@example.org"]
    assert all(plain_date in " ".join(m["message"].text.split()) for m in reminders)
    assert len(harness.email.sent) == 5 and _to(harness, "wit@example.org") == []


async def test_a_hearing_90_days_ahead_or_more_alerts_nobody_and_is_told_as_usual(
        configured, clock):
    harness = configured
    await _registered(harness, clock, relationship="victim", notify_on=["parole_hearing"],
                      email="ana@example.org")
    await harness.send_due()
    harness.email.sent.clear()
    hearing = (clock() + timedelta(days=90)).date()
    await harness.deliver(custody("parole_hearing", at=clock(), hearing_date=hearing),
                          subject="AB1234")
    await harness.send_due()
    assert _to(harness, STAFF_MAILBOX) == []
    [notice] = _to(harness, "ana@example.org")
    assert "less than 90 days" not in " ".join(notice.text.split())


async def test_a_hearing_on_short_notice_with_nobody_registered_still_alerts_staff(
        configured, clock):
    await configured.deliver(custody("parole_hearing", at=clock(),
                                     hearing_date=date(2026, 12, 1)), subject="AB1234")
    await configured.send_due()
    [alert] = _to(configured, STAFF_MAILBOX)
    said = " ".join(alert.text.split())
    assert "only 12 days away" in said and "Nobody registered" in said
