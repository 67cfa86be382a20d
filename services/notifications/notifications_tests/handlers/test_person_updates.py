"""A person changes her details on her own page (PersonUpdated, sealed): her channel, language,
email, phone, time zone and quiet hours apply to every message that goes after it, including
those already planned and not gone yet."""
from datetime import datetime, timedelta, timezone

from vod_shared.events import CasePaused, CaseResumed

from ..conftest import NIGHT_IN_CALIFORNIA
from ..support import custody, eligibility, new_id, registration, request, session


async def _case(harness, clock, **details):
    person, case = new_id(), new_id()
    await harness.person(person, **details)
    channel = details.get("preferred_channel", "email")
    await harness.deliver(request(case, person, channel=channel, at=clock()), subject=case)
    await harness.send_due()
    harness.email.sent.clear(), harness.sms.sent.clear()
    return person, case


async def test_a_new_channel_language_and_phone_apply_to_what_is_planned_after(harness, clock):
    person, case = await _case(harness, clock)
    await harness.update_person(person, preferred_channel="sms", preferred_language="es",
                                phone="+16195550177")
    await harness.deliver(eligibility(case, "eligible", at=clock()), subject=case)
    await harness.send_due()
    assert harness.email.sent == []
    [text] = harness.sms.sent
    assert text["to"] == "+16195550177"
    assert text["message"].startswith("VOD-2026-000123: ") and "solicitud" in text["message"]


async def test_a_text_held_for_the_night_goes_by_email_once_she_prefers_email(harness, clock):
    person, reg = new_id(), new_id()
    await harness.person(person, preferred_channel="sms")
    await harness.deliver(registration(reg, person, notify_on=["transfer"], at=clock()),
                          subject=reg)
    await harness.send_due()
    clock.now = NIGHT_IN_CALIFORNIA + timedelta(days=1)
    await harness.deliver(custody("transfer", at=clock(), facility="CMF"), subject="AB1234")
    await harness.send_due()
    await harness.update_person(person, preferred_channel="email", email="ana.new@example.org")
    clock.move(hours=5)  # 08:00, when the text was held to
    await harness.send_due()
    assert len(harness.sms.sent) == 1  # only the acknowledgement, before she changed
    [mail] = harness.email.sent
    assert mail["to"] == "ana.new@example.org"
    assert "California Medical Facility" in mail["message"].text


async def test_a_message_held_while_the_case_was_paused_goes_to_her_new_address(harness, clock):
    person, case = await _case(harness, clock)
    await harness.deliver(CasePaused(case_id=case, by="facilitator", at=clock()), subject=case)
    await harness.deliver(eligibility(case, "eligible", at=clock()), subject=case)
    await harness.send_due()
    await harness.update_person(person, email="ana.new@example.org", preferred_language="es")
    await harness.deliver(CaseResumed(case_id=case, by="facilitator", at=clock()), subject=case)
    await harness.send_due()
    held, resumed = harness.email.sent[1:]
    assert held["to"] == resumed["to"] == "ana.new@example.org"
    assert held["message"].text.startswith("Hola, Ana:")


async def test_the_dialogue_invitation_is_texted_only_while_she_prefers_texts(harness, clock):
    """The invitation's email carries the calendar whatever she prefers; the text beside it
    follows her preference."""
    person, case = await _case(harness, clock, preferred_channel="sms")
    await harness.deliver(session(case, starts_at=clock() + timedelta(days=30)), subject=case)
    await harness.update_person(person, preferred_channel="email")
    await harness.send_due()
    assert harness.sms.sent == []
    [invitation] = harness.email.sent
    assert invitation["message"].attachments  # the calendar file, once


async def test_a_new_time_zone_moves_the_end_of_her_night(harness, clock):
    person, case = await _case(harness, clock, preferred_channel="sms")
    await harness.update_person(person, preferred_channel="sms", time_zone="America/New_York")
    clock.now = NIGHT_IN_CALIFORNIA  # 03:00 in California, 06:00 in New York
    await harness.deliver(eligibility(case, "eligible", at=clock()), subject=case)
    clock.move(hours=1, minutes=59)  # 07:59 in New York
    await harness.send_due()
    assert harness.sms.sent == []
    clock.move(minutes=1)
    await harness.send_due()
    assert len(harness.sms.sent) == 1


def _pacific(hour, minute=0):
    return datetime(2026, 11, 20, hour, minute, tzinfo=timezone(timedelta(hours=-8)))


async def test_her_own_quiet_hours_replace_the_programs_for_texts(harness, clock):
    quiet = {"start": "22:30", "end": "06:30"}
    person, case = await _case(harness, clock, preferred_channel="sms", quiet_hours=quiet)
    clock.now = _pacific(21, 30)  # quiet for the program, not for her
    await harness.deliver(eligibility(case, "needs_review", at=clock()), subject=case)
    await harness.send_due()
    assert len(harness.sms.sent) == 1
    clock.now = _pacific(23, 0)
    await harness.deliver(eligibility(case, "eligible", at=clock()), subject=case)
    clock.now = _pacific(6, 29) + timedelta(days=1)
    await harness.send_due()
    assert len(harness.sms.sent) == 1
    clock.move(minutes=1)  # 06:30, her morning
    await harness.send_due()
    assert len(harness.sms.sent) == 2


async def test_quiet_hours_she_sets_on_her_page_hold_a_text_past_the_programs_morning(harness, clock):
    person, case = await _case(harness, clock, preferred_channel="sms")
    clock.now = _pacific(20, 0)
    await harness.update_person(person, preferred_channel="sms",
                                quiet_hours={"start": "19:00", "end": "09:00"})
    await harness.deliver(eligibility(case, "eligible", at=clock()), subject=case)
    clock.now = _pacific(8, 30) + timedelta(days=1)  # after the program's night, not hers
    await harness.send_due()
    assert harness.sms.sent == []
    clock.now = _pacific(9, 0) + timedelta(days=1)
    await harness.send_due()
    assert len(harness.sms.sent) == 1


async def test_quiet_hours_that_cannot_be_read_are_the_programs(harness, clock):
    person, case = await _case(harness, clock, preferred_channel="sms",
                               quiet_hours={"start": "23:00", "end": "7am"})
    clock.now = _pacific(21, 30)
    await harness.deliver(eligibility(case, "eligible", at=clock()), subject=case)
    await harness.send_due()
    assert harness.sms.sent == []  # the program's 21:00, not a night she did not set
    clock.now = _pacific(8, 0) + timedelta(days=1)
    await harness.send_due()
    assert len(harness.sms.sent) == 1


async def test_email_is_never_held_whatever_her_quiet_hours(harness, clock):
    person, case = await _case(harness, clock, quiet_hours={"start": "00:00", "end": "23:59"})
    await harness.deliver(eligibility(case, "eligible", at=clock()), subject=case)
    await harness.send_due()
    assert len(harness.email.sent) == 1
