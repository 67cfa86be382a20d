"""Custody notices (form 1707), through the real handlers and sender, with a clock we move."""
from datetime import date, timedelta

from ..conftest import NIGHT_IN_CALIFORNIA
from ..support import custody, new_id, registration


async def _registered(harness, clock, *, notify_on, relationship="victim", channel="sms",
                      **details):
    person, reg = new_id(), new_id()
    await harness.person(person, preferred_channel=channel, **details)
    await harness.deliver(registration(reg, person, notify_on=notify_on, channel=channel,
                                       relationship=relationship, at=clock()), subject=reg)
    await harness.send_due()
    harness.sms.sent.clear(), harness.email.sent.clear()
    return person, reg


async def test_a_witness_gets_one_text_for_a_release_and_none_for_a_parole_hearing(
        harness, clock):
    await _registered(harness, clock, notify_on=["release", "transfer"], relationship="witness")
    release = await harness.deliver(custody("release", at=clock()), subject="AB1234")
    await harness.deliver(custody("parole_hearing", at=clock(),
                                  hearing_date=date(2027, 3, 1)), subject="AB1234")
    await harness.redeliver(release)
    await harness.send_due()
    [text] = harness.sms.sent
    assert text["to"] == "+16195550100" and "released" in text["message"]
    assert harness.email.sent == []


async def test_an_escape_at_3am_goes_at_once_while_a_transfer_waits_for_8am(harness, clock):
    person, reg = await _registered(harness, clock, notify_on=["escape", "transfer"])
    clock.now = NIGHT_IN_CALIFORNIA
    await harness.deliver(custody("transfer", at=clock(), facility="CMF"), subject="AB1234")
    await harness.deliver(custody("escape", at=clock(), status="escaped", facility=None),
                          subject="AB1234")
    await harness.send_due()
    [escape_text] = harness.sms.sent
    [escape_mail] = harness.email.sent  # every channel the registrant has
    assert escape_text["message"].startswith("URGENT")
    assert escape_mail["message"].subject.startswith("URGENT")

    clock.move(hours=4, minutes=59)  # 07:59 in California
    await harness.send_due()
    assert len(harness.sms.sent) == 1
    clock.move(minutes=1)
    await harness.send_due()
    assert len(harness.sms.sent) == 2
    assert "California Medical Facility" in harness.sms.sent[1]["message"]


async def test_whoever_chose_escape_hears_of_the_return(harness, clock):
    await _registered(harness, clock, notify_on=["escape"], channel="email")
    await harness.deliver(custody("return", at=clock()), subject="AB1234")
    await harness.send_due()
    [mail] = harness.email.sent
    assert "back in custody" in mail["message"].text


async def test_a_parole_hearing_is_told_now_and_reminded_two_weeks_ahead(harness, clock):
    _, reg = await _registered(harness, clock, notify_on=["parole_hearing"], channel="email")
    hearing = (clock() + timedelta(days=60)).date()
    await harness.deliver(custody("parole_hearing", at=clock(), hearing_date=hearing),
                          subject="AB1234")
    await harness.send_due()
    assert len(harness.email.sent) == 1 and "reminder" in harness.email.sent[0]["message"].text
    clock.move(days=45)
    await harness.send_due()
    assert len(harness.email.sent) == 1
    clock.move(days=1)
    await harness.send_due()
    assert harness.email.sent[1]["message"].subject.startswith("Reminder")


async def test_a_registration_read_after_a_change_it_predates_still_hears_of_it(harness, clock):
    person, reg = new_id(), new_id()
    await harness.person(person)
    registered_at = clock()
    clock.move(minutes=5)
    await harness.deliver(custody("release", at=clock()), subject="AB1234")
    await harness.deliver(registration(reg, person, notify_on=["release"], at=registered_at),
                          subject=reg)
    await harness.send_due()
    assert [d.template for d in await harness.deliveries(subject=reg)] == [
        "registration_acknowledged", "custody_release"]


async def test_registrations_follow_the_offender_not_the_facility(harness, clock):
    await _registered(harness, clock, notify_on=["release"])
    await harness.deliver(custody("transfer", at=clock(), facility="CMF"), subject="AB1234")
    await harness.deliver(custody("release", at=clock(), facility=None, status="on_parole"),
                          subject="AB1234")
    await harness.deliver(custody("release", at=clock(), cdcr="ZZ9999"), subject="ZZ9999")
    await harness.send_due()
    assert len(harness.sms.sent) == 1
