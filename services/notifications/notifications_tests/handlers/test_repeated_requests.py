"""A requester who asks again about their open case (RequestRepeated) is answered again, with
the same acknowledgement and reference, in their language and on their channel; but a double
click or a burst of submissions never becomes a stream of messages."""
from datetime import timedelta

from vod_shared.events import CaseWithdrawn, RequestRepeated

from ..support import new_id, request


def repeated(case_id: str, requester_id: str, clock, source="web_form") -> RequestRepeated:
    return RequestRepeated(case_id=case_id, requester_id=requester_id, source=source,
                           at=clock())


async def _acknowledged(harness, clock, *, language="en", channel="email", **contact):
    person, case = new_id(), new_id()
    await harness.person(person, preferred_language=language, preferred_channel=channel,
                         **contact)
    await harness.deliver(request(case, person, language=language, channel=channel, at=clock()),
                          subject=case)
    await harness.send_due()
    return person, case


async def test_asking_again_is_acknowledged_again_once_even_if_redelivered(harness, clock):
    person, case = await _acknowledged(harness, clock, language="es")
    clock.move(days=3)
    envelope = await harness.deliver(repeated(case, person, clock), subject=case)
    await harness.redeliver(envelope)
    await harness.send_due()
    await harness.redeliver(envelope)
    await harness.send_due()

    first, again = harness.email.sent
    assert again["to"] == "ana@example.org"
    assert again["message"].subject == first["message"].subject
    assert "VOD-2026-000123" in again["message"].subject
    assert "Recibimos su solicitud" in again["message"].subject
    assert again["message"].text == first["message"].text
    rows = await harness.deliveries(subject=case)
    assert [(d.template, d.status) for d in rows] == [("request_acknowledged", "sent")] * 2
    assert rows[1].cause_event_id == envelope.id


async def test_a_double_click_or_a_burst_gets_at_most_one_message_in_ten_minutes(harness, clock):
    person, case = await _acknowledged(harness, clock)
    for minutes in (1, 1, 3):  # the first request's acknowledgement went moments ago
        clock.move(minutes=minutes)
        await harness.deliver(repeated(case, person, clock), subject=case)
        await harness.send_due()
    assert len(harness.email.sent) == 1

    clock.move(minutes=6)  # ten minutes after the first went: answered again...
    await harness.deliver(repeated(case, person, clock), subject=case)
    await harness.deliver(repeated(case, person, clock), subject=case)  # ...once
    await harness.send_due()
    clock.move(minutes=9)
    await harness.deliver(repeated(case, person, clock), subject=case)
    await harness.send_due()
    assert len(harness.email.sent) == 2
    clock.move(minutes=2)
    await harness.deliver(repeated(case, person, clock), subject=case)
    await harness.send_due()
    assert len(harness.email.sent) == 3


async def test_a_text_held_for_the_night_is_not_doubled_by_asking_again(harness, clock):
    clock.now = clock.now.replace(hour=11)  # 03:00 in California: texts wait for the morning
    person, case = await _acknowledged(harness, clock, channel="sms")
    clock.move(minutes=40)
    await harness.deliver(repeated(case, person, clock), subject=case)
    await harness.send_due()
    assert harness.sms.sent == []
    clock.move(hours=6)
    await harness.send_due()
    [text] = harness.sms.sent
    assert text["to"] == "+16195550100" and "VOD-2026-000123" in text["message"]


async def test_a_repeat_at_night_is_held_like_any_text(harness, clock):
    person, case = await _acknowledged(harness, clock, channel="sms")  # 10:00: it goes
    clock.now = clock.now.replace(hour=11) + timedelta(days=1)  # 03:00 the next night
    await harness.deliver(repeated(case, person, clock), subject=case)
    await harness.send_due()
    assert len(harness.sms.sent) == 1
    clock.move(hours=6)
    await harness.send_due()
    assert len(harness.sms.sent) == 2


async def test_nothing_is_sent_about_a_case_already_withdrawn(harness, clock):
    person, case = await _acknowledged(harness, clock)
    await harness.deliver(CaseWithdrawn(case_id=case, by="victim", at=clock()), subject=case)
    clock.move(hours=1)
    await harness.deliver(repeated(case, person, clock), subject=case)
    await harness.send_due()
    assert [d.template for d in await harness.deliveries(subject=case)] == [
        "request_acknowledged", "case_withdrawn"]
