"""A requester who asks again about their open case (RequestRepeated) is told, in her language
and on her channel, with the case's reference, that we have her request already and that what
she wrote is on her case; at most once a day, however many times the public page is sent in
her name; and, like every message about her case, held while it is paused and dropped if she
withdraws first."""
from datetime import timedelta

from vod_shared.events import CasePaused, CaseResumed, CaseWithdrawn, RequestRepeated

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


async def test_asking_again_is_answered_with_its_own_message_once_even_if_redelivered(
        harness, clock):
    person, case = await _acknowledged(harness, clock, language="es")
    clock.move(days=3)
    envelope = await harness.deliver(repeated(case, person, clock), subject=case)
    await harness.redeliver(envelope)
    await harness.send_due()
    await harness.redeliver(envelope)
    await harness.send_due()

    first, again = harness.email.sent
    assert again["to"] == "ana@example.org"
    assert again["message"].subject == "Ya tenemos su solicitud (VOD-2026-000123)"
    text = " ".join(again["message"].text.split())
    assert "VOD-2026-000123" in text and "1-877-256-6877" in text
    assert "No hace falta que vuelva a enviarla" in text and "agregado a su caso" in text
    assert "revisará" not in text and "se comunicará" not in text  # the first message's promise
    rows = await harness.deliveries(subject=case)
    assert [(d.template, d.status) for d in rows] == [("request_acknowledged", "sent"),
                                                      ("request_repeated", "sent")]
    assert rows[1].cause_event_id == envelope.id


async def test_the_answer_does_not_promise_a_review_of_a_case_long_under_way(harness, clock):
    """The first acknowledgement says staff will review the request and contact her: untrue
    of a case months into preparation. The answer to a repeat says only what is so."""
    person, case = await _acknowledged(harness, clock)
    clock.move(days=120)
    await harness.deliver(repeated(case, person, clock), subject=case)
    await harness.send_due()
    first, again = harness.email.sent
    assert again["message"].subject == "We already have your request (VOD-2026-000123)"
    text = " ".join(again["message"].text.split())
    assert "You do not need to send it again" in text and "added to your case" in text
    assert "If you want to tell us something, please call us toll free at 1-877-256-6877" in text
    assert "review" not in text and "contact you" not in text
    assert "review your request" in " ".join(first["message"].text.split())


async def test_sending_the_page_again_and_again_gets_her_at_most_one_message_a_day(
        harness, clock):
    """Anyone who knows her email and the offender's number can send the public page in her
    name: however often, she hears from us at most once in 24 hours, counting the first
    acknowledgement."""
    person, case = await _acknowledged(harness, clock)
    went = clock()
    for minutes in (1, 10, 60, 12 * 60, 23 * 60 + 59):
        clock.now = went + timedelta(minutes=minutes)
        await harness.deliver(repeated(case, person, clock), subject=case)
        await harness.send_due()
    assert len(harness.email.sent) == 1

    clock.move(minutes=1)  # a day after the first went: answered again...
    await harness.deliver(repeated(case, person, clock), subject=case)
    await harness.deliver(repeated(case, person, clock), subject=case)  # ...once
    await harness.send_due()
    for hours in (1, 11, 11):  # 23 hours after the answer went
        clock.move(hours=hours)
        await harness.deliver(repeated(case, person, clock), subject=case)
        await harness.send_due()
    assert len(harness.email.sent) == 2
    clock.move(hours=1)
    await harness.deliver(repeated(case, person, clock), subject=case)
    await harness.send_due()
    assert [d.template for d in await harness.deliveries(subject=case)] == [
        "request_acknowledged", "request_repeated", "request_repeated"]


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
    person, case = await _acknowledged(harness, clock, channel="sms", language="es")  # it goes
    clock.now = clock.now.replace(hour=11) + timedelta(days=2)  # 03:00 two nights later
    await harness.deliver(repeated(case, person, clock), subject=case)
    await harness.send_due()
    assert len(harness.sms.sent) == 1
    clock.move(hours=6)
    await harness.send_due()
    first, again = (sent["message"] for sent in harness.sms.sent)
    assert again.startswith("VOD-2026-000123: Ya tenemos su solicitud") and again != first


async def test_a_repeat_about_a_paused_case_waits_for_it_to_resume(harness, clock):
    person, case = await _acknowledged(harness, clock)
    await harness.deliver(CasePaused(case_id=case, by="facilitator", reason="x", at=clock()),
                          subject=case)
    await harness.send_due()
    for days in (3, 5):  # the one held is enough: a second is not added behind it
        clock.move(days=days)
        await harness.deliver(repeated(case, person, clock), subject=case)
        await harness.send_due()
    assert [m["message"].subject.split(" (")[0] for m in harness.email.sent] == [
        "We received your request for a dialogue", "Your dialogue request is on hold"]
    assert [(d.template, d.status) for d in await harness.deliveries(subject=case)] == [
        ("request_acknowledged", "sent"), ("case_on_hold", "sent"), ("request_repeated", "paused")]

    clock.move(days=30)
    await harness.deliver(CaseResumed(case_id=case, by="facilitator", at=clock()), subject=case)
    await harness.send_due()
    assert {d.template: d.status for d in await harness.deliveries(subject=case)} == {
        "request_acknowledged": "sent", "case_on_hold": "sent", "request_repeated": "sent",
        "case_resumed": "sent"}
    assert len(harness.email.sent) == 4


async def test_a_repeat_held_while_paused_is_dropped_when_she_withdraws(harness, clock):
    person, case = await _acknowledged(harness, clock)
    await harness.deliver(CasePaused(case_id=case, by="victim", reason="x", at=clock()),
                          subject=case)
    clock.move(days=2)
    await harness.deliver(repeated(case, person, clock), subject=case)
    await harness.send_due()
    await harness.deliver(CaseWithdrawn(case_id=case, by="victim", at=clock()), subject=case)
    await harness.send_due()
    assert {d.template: d.status for d in await harness.deliveries(subject=case)} == {
        "request_acknowledged": "sent", "case_paused": "sent", "request_repeated": "cancelled",
        "case_withdrawn": "sent"}
    assert [m["message"].subject.split(" (")[0] for m in harness.email.sent] == [
        "We received your request for a dialogue", "Your dialogue request is paused",
        "Your dialogue request is withdrawn"]


async def test_nothing_is_sent_about_a_case_already_withdrawn(harness, clock):
    person, case = await _acknowledged(harness, clock)
    await harness.deliver(CaseWithdrawn(case_id=case, by="victim", at=clock()), subject=case)
    clock.move(days=2)
    await harness.deliver(repeated(case, person, clock), subject=case)
    await harness.send_due()
    assert [d.template for d in await harness.deliveries(subject=case)] == [
        "request_acknowledged", "case_withdrawn"]
