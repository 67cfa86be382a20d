"""The victim's support person hears of the dialogue as she does: invited (with the calendar
file) in their own language, told of a new date and of a cancellation; never a link to her
page, nothing of her meetings; removed at her word, nothing more goes to them."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from vod_shared.events import SessionCancelled, SupportPersonAdded, SupportPersonRemoved

from ..support import calendar_of, meeting, new_id, request, session

LA = ZoneInfo("America/Los_Angeles")
DIALOGUE = datetime(2026, 12, 3, 10, 0, tzinfo=LA)


async def _case_with_supporter(harness, clock, *, language="es", channel="email"):
    victim, case, supporter = new_id(), new_id(), new_id()
    await harness.person(victim, email="ana@example.org")
    await harness.deliver(request(case, victim, at=clock()), subject=case)
    await harness.person(supporter, given_name="Marta", family_name="Ruiz",
                         email="marta@example.org", phone="+16195550111",
                         preferred_language=language, preferred_channel=channel)
    added = SupportPersonAdded(case_id=case, support_person_id=supporter,
                               preferred_language=language, preferred_channel=channel,
                               at=clock())
    await harness.deliver(added, subject=case)
    await harness.deliver(added, subject=case)  # told twice: still one support person
    await harness.send_due()
    harness.email.sent.clear()
    harness.sms.sent.clear()
    return victim, case, supporter


def _to(harness, address):
    return [m["message"] for m in harness.email.sent if m["to"] == address]


async def test_the_support_person_is_invited_in_their_language_without_her_link(harness, clock):
    _, case, _ = await _case_with_supporter(harness, clock)
    await harness.deliver(meeting(case, starts_at=DIALOGUE - timedelta(days=7)), subject=case)
    await harness.deliver(session(case, starts_at=DIALOGUE, facility="SQ"), subject=case)
    await harness.send_due()

    [invitation] = _to(harness, "marta@example.org")  # her meeting is hers alone
    assert invitation.subject.startswith("Está invitado a un diálogo: jueves, 3 de diciembre")
    assert "Marta" in invitation.text
    assert "persona de apoyo" in invitation.text
    assert "http" not in invitation.text  # no link to the victim's page
    assert str(calendar_of(invitation)["METHOD"]) == "REQUEST"
    assert len(_to(harness, "ana@example.org")) == 2  # her meeting and her invitation


async def test_a_new_date_and_a_cancellation_reach_the_support_person(harness, clock):
    _, case, _ = await _case_with_supporter(harness, clock, language="en", channel="sms")
    first = session(case, starts_at=DIALOGUE)
    await harness.deliver(first, subject=case)
    await harness.send_due()
    await harness.deliver(session(case, starts_at=DIALOGUE + timedelta(days=1),
                                  session_id=first.session_id, sequence=1), subject=case)
    await harness.send_due()
    await harness.deliver(SessionCancelled(case_id=case, session_id=first.session_id,
                                           reason="staff", sequence=2, at=clock()),
                          subject=case)
    await harness.send_due()

    subjects = [m.subject.split(":")[0] for m in _to(harness, "marta@example.org")]
    assert subjects == ["You are invited to a dialogue", "New date for the dialogue",
                        "Calendar update"]
    texts = [str(s["message"]) for s in harness.sms.sent if s["to"] == "+16195550111"]
    assert len(texts) == 3 and "will not take place" in texts[-1]


async def test_once_removed_nothing_more_goes_to_them(harness, clock):
    _, case, supporter = await _case_with_supporter(harness, clock)
    await harness.deliver(SupportPersonRemoved(case_id=case, support_person_id=supporter,
                                               at=clock()), subject=case)
    await harness.deliver(session(case, starts_at=DIALOGUE), subject=case)
    await harness.send_due()
    assert _to(harness, "marta@example.org") == []
    assert len(_to(harness, "ana@example.org")) == 1


async def test_added_after_the_dialogue_was_set_they_are_invited_to_it_at_once(harness, clock):
    victim, case = new_id(), new_id()
    await harness.person(victim, email="ana@example.org")
    await harness.deliver(request(case, victim, at=clock()), subject=case)
    first = session(case, starts_at=DIALOGUE)
    await harness.deliver(first, subject=case)
    moved = session(case, starts_at=DIALOGUE + timedelta(days=2), session_id=first.session_id,
                    sequence=1)
    await harness.deliver(moved, subject=case)
    await harness.send_due()
    supporter = new_id()
    await harness.person(supporter, given_name="Marta", email="marta@example.org")
    added = SupportPersonAdded(case_id=case, support_person_id=supporter, at=clock())
    envelope = await harness.deliver(added, subject=case)
    await harness.redeliver(envelope)
    await harness.send_due()

    [invitation] = _to(harness, "marta@example.org")
    assert invitation.subject.startswith("You are invited to a dialogue: Saturday, December 5")
    [entry] = calendar_of(invitation).walk("VEVENT")
    assert entry["SEQUENCE"] == 1 and entry["DTSTART"].dt == moved.starts_at


async def test_added_after_the_dialogue_was_cancelled_they_are_not_invited(harness, clock):
    victim, case = new_id(), new_id()
    await harness.person(victim, email="ana@example.org")
    await harness.deliver(request(case, victim, at=clock()), subject=case)
    first = session(case, starts_at=DIALOGUE)
    await harness.deliver(first, subject=case)
    await harness.send_due()
    await harness.deliver(SessionCancelled(case_id=case, session_id=first.session_id,
                                           reason="staff", sequence=1, at=clock()),
                          subject=case)
    supporter = new_id()
    await harness.person(supporter, email="marta@example.org")
    await harness.deliver(SupportPersonAdded(case_id=case, support_person_id=supporter,
                                             at=clock()), subject=case)
    await harness.send_due()
    assert _to(harness, "marta@example.org") == []
