"""A registrant changes, from her own page, which custody changes she hears of (the whole new
set), or cancels her registration: custody notices follow from then on, including those planned
and still waiting (held for the night, a parole hearing's reminder weeks ahead)."""
from datetime import timedelta

from vod_shared.events import RegistrationCancelled, RegistrationChanged

from ..conftest import NIGHT_IN_CALIFORNIA
from ..support import custody, new_id, registration


async def _registered(harness, clock, *, notify_on, channel="sms", phone="+16195550100"):
    person, reg = new_id(), new_id()
    await harness.person(person, preferred_channel=channel, phone=phone)
    await harness.deliver(registration(reg, person, notify_on=notify_on, channel=channel,
                                       at=clock()), subject=reg)
    await harness.send_due()
    harness.sms.sent.clear(), harness.email.sent.clear()
    return person, reg


def _changed(reg, person, clock, *kinds):
    return RegistrationChanged(registration_id=reg, registrant_id=person, notify_on=list(kinds),
                               at=clock())


def _cancelled(reg, person, clock):
    return RegistrationCancelled(registration_id=reg, registrant_id=person, at=clock())


async def test_after_a_change_she_hears_only_of_the_new_set_and_escape_brings_the_return(
        harness, clock):
    person, reg = await _registered(harness, clock, notify_on=["release"])
    changed = await harness.deliver(_changed(reg, person, clock, "escape"), subject=reg)
    await harness.redeliver(changed)
    await harness.deliver(custody("release", at=clock(), status="on_parole"), subject="AB1234")
    await harness.deliver(custody("return", at=clock()), subject="AB1234")
    await harness.send_due()
    [text] = harness.sms.sent
    assert text["to"] == "+16195550100" and "back in custody" in text["message"]
    assert "released" not in text["message"] and harness.email.sent == []


async def test_a_notice_held_for_the_night_that_she_no_longer_wants_is_not_sent(harness, clock):
    person, reg = await _registered(harness, clock, notify_on=["transfer", "parole_hearing"])
    clock.now = NIGHT_IN_CALIFORNIA + timedelta(days=1)  # 03:00 in California
    hearing = (clock() + timedelta(days=60)).date()
    await harness.deliver(custody("transfer", at=clock(), facility="CMF"), subject="AB1234")
    await harness.deliver(custody("parole_hearing", at=clock(), hearing_date=hearing),
                          subject="AB1234")
    await harness.send_due()
    assert harness.sms.sent == []  # both held for the morning
    clock.move(minutes=30)
    await harness.deliver(_changed(reg, person, clock, "parole_hearing"), subject=reg)
    clock.move(hours=5)  # 08:30
    await harness.send_due()
    [text] = [m["message"] for m in harness.sms.sent]
    assert "parole hearing" in text and "California Medical Facility" not in text
    clock.move(days=47)  # the hearing's reminder (14 days ahead), still wanted
    await harness.send_due()
    assert len(harness.sms.sent) == 2
    assert harness.sms.sent[1]["message"].split(": ", 1)[1].startswith("Reminder: the parole")


async def test_a_cancelled_registration_hears_nothing_more_not_even_what_was_waiting(
        harness, clock):
    person, reg = await _registered(harness, clock, notify_on=["release", "escape",
                                                                "parole_hearing"])
    other, _ = await _registered(harness, clock, notify_on=["escape"], phone="+16195550199")
    clock.now = NIGHT_IN_CALIFORNIA + timedelta(days=1)
    hearing = (clock() + timedelta(days=60)).date()
    await harness.deliver(custody("parole_hearing", at=clock(), hearing_date=hearing),
                          subject="AB1234")
    await harness.send_due()
    cancelled = await harness.deliver(_cancelled(reg, person, clock), subject=reg)
    await harness.redeliver(cancelled)
    # A change read after the cancellation does not bring it back.
    await harness.deliver(_changed(reg, person, clock, "release", "escape"), subject=reg)
    await harness.deliver(custody("escape", at=clock(), status="escaped", facility=None),
                          subject="AB1234")
    clock.move(days=60)  # past the morning, and the hearing's reminder
    await harness.deliver(custody("release", at=clock(), status="on_parole"), subject="AB1234")
    await harness.send_due()

    # Only the other registrant hears of the escape (urgent: by text and by email).
    assert [m["to"] for m in harness.sms.sent] == ["+16195550199"]
    assert len(harness.email.sent) == 1
    assert {(d.template, d.status, d.reason) for d in await harness.deliveries(subject=reg)} == {
        ("registration_acknowledged", "sent", None),
        ("custody_parole_hearing", "cancelled", "registration_cancelled"),
        ("custody_parole_hearing_reminder", "cancelled", "registration_cancelled")}


async def test_a_registration_read_after_its_cancellation_stays_cancelled(harness, clock):
    """Its acknowledgement, still held for the night when she cancels, is not sent either."""
    person, reg = new_id(), new_id()
    await harness.person(person, preferred_channel="sms")
    clock.now = NIGHT_IN_CALIFORNIA
    await harness.deliver(registration(reg, person, notify_on=["release"], at=clock()),
                          subject=reg)
    await harness.send_due()
    await harness.deliver(_cancelled(reg, person, clock), subject=reg)
    await harness.deliver(registration(reg, person, notify_on=["release"], at=clock()),
                          subject=reg)  # the same registration announced again
    clock.move(hours=6)
    await harness.deliver(custody("release", at=clock(), status="on_parole"), subject="AB1234")
    await harness.send_due()
    assert harness.sms.sent == [] and harness.email.sent == []


async def test_changes_to_a_registration_not_known_here_are_ignored_not_dead_lettered(
        harness, clock):
    person, reg = new_id(), new_id()
    await harness.person(person)
    await harness.deliver(_changed(reg, person, clock, "release"), subject=reg)
    await harness.deliver(_cancelled(reg, person, clock), subject=reg)
    # Nor does someone else's id change a registration that is not theirs.
    owner, theirs = await _registered(harness, clock, notify_on=["release"])
    await harness.deliver(_cancelled(theirs, person, clock), subject=theirs)
    await harness.deliver(custody("release", at=clock(), status="on_parole"), subject="AB1234")
    await harness.send_due()
    assert harness.dead == []
    assert await harness.deliveries(subject=reg) == []
    [text] = harness.sms.sent
    assert "released" in text["message"]
