"""A requester hears of each step of their case, once, in their language, and only while the
case is theirs to follow."""
from vod_shared.events import CaseClosed, CasePaused, CaseResumed, CaseWithdrawn

from ..support import eligibility, new_id, request


async def test_a_spanish_speaking_victim_is_acknowledged_in_spanish_once_even_if_redelivered(
        harness, clock):
    person, case = new_id(), new_id()
    await harness.person(person, preferred_language="es", email="ana@example.org")
    envelope = await harness.deliver(request(case, person, language="es", at=clock()), subject=case)
    await harness.redeliver(envelope)
    await harness.send_due()
    await harness.redeliver(envelope)
    await harness.send_due()

    [mail] = harness.email.sent
    assert mail["to"] == "ana@example.org"
    assert "VOD-2026-000123" in mail["message"].subject
    assert mail["message"].text.startswith("Hola, Ana:")
    assert "Recibimos su solicitud" in mail["message"].subject
    [sent] = [e for e in await harness.announced() if e.type == "vod.NotificationSent.v1"]
    assert sent.subject == case and sent.data.cause_event_id == envelope.id
    assert sent.data.template == "request_acknowledged" and sent.data.provider_id


async def test_a_request_read_before_its_requesters_contact_waits_for_it(harness, clock):
    person, case = new_id(), new_id()
    await harness.deliver(request(case, person, at=clock()), subject=case)
    assert await harness.send_due() == 0 and harness.email.sent == []
    [waiting] = await harness.deliveries(subject=case)
    assert waiting.status == "pending"

    clock.move(hours=2)
    await harness.person(person)
    await harness.send_due()
    assert [m["to"] for m in harness.email.sent] == ["ana@example.org"]


async def test_an_eligibility_read_before_its_request_is_kept_and_told_after_the_ack(
        harness, clock):
    person, case = new_id(), new_id()
    await harness.person(person)
    await harness.deliver(eligibility(case, "needs_review", at=clock()), subject=case)
    assert await harness.deliveries(subject=case) == []
    await harness.deliver(request(case, person, at=clock()), subject=case)
    await harness.send_due()
    assert [d.template for d in await harness.deliveries(subject=case)] == [
        "request_acknowledged", "eligibility_needs_review"]
    assert len(harness.email.sent) == 2


async def test_each_eligibility_outcome_is_worded_gently(harness, clock):
    for outcome in ("eligible", "ineligible", "needs_review"):
        person, case = new_id(), new_id()
        await harness.person(person)
        await harness.deliver(request(case, person, at=clock()), subject=case)
        await harness.deliver(eligibility(case, outcome, at=clock()), subject=case)
    await harness.send_due()
    texts = [" ".join(m["message"].text.split()) for m in harness.email.sent
             if "update" in m["message"].subject or "reviewed" in m["message"].subject]
    assert len(texts) == 3
    for words in ("can go ahead", "not a judgment", "a little more time"):
        assert any(words in t for t in texts)
    assert not any("denied" in t.lower() for t in texts)


async def test_a_withdrawal_is_confirmed_and_stops_what_was_still_waiting(harness, clock):
    person, case = new_id(), new_id()
    # A text at 03:00 in California is held for the morning...
    clock.now = clock.now.replace(hour=11)
    await harness.person(person, preferred_channel="sms")
    await harness.deliver(request(case, person, channel="sms", at=clock()), subject=case)
    await harness.send_due()
    assert harness.sms.sent == []
    # ...and the victim withdraws before it goes: only the confirmation goes, in the morning.
    await harness.deliver(CaseWithdrawn(case_id=case, by="victim", at=clock()), subject=case)
    await harness.deliver(eligibility(case, "eligible", at=clock()), subject=case)
    clock.move(hours=6)
    await harness.send_due()
    statuses = {d.template: d.status for d in await harness.deliveries(subject=case)}
    assert statuses == {"request_acknowledged": "cancelled", "case_withdrawn": "sent"}
    [text] = harness.sms.sent
    assert "withdrawn" in text["message"]


async def test_while_a_case_is_on_hold_its_messages_wait_and_go_on_resumption(harness, clock):
    person, case = new_id(), new_id()
    await harness.person(person)
    await harness.deliver(request(case, person, at=clock()), subject=case)
    await harness.send_due()
    await harness.deliver(CasePaused(case_id=case, by="facilitator", reason="x", at=clock()),
                          subject=case)
    await harness.deliver(eligibility(case, "eligible", at=clock()), subject=case)
    await harness.send_due()
    assert [m["message"].subject.split(" (")[0] for m in harness.email.sent] == [
        "We received your request for a dialogue", "Your dialogue request is on hold"]
    await harness.deliver(CaseResumed(case_id=case, by="facilitator", at=clock()), subject=case)
    await harness.send_due()
    assert {d.template: d.status for d in await harness.deliveries(subject=case)} == {
        "request_acknowledged": "sent", "case_on_hold": "sent",
        "eligibility_eligible": "sent", "case_resumed": "sent"}


async def test_an_answer_that_does_not_end_the_case_leaves_it_open_for_the_next(harness, clock):
    """An escapee is ineligible until the return: the case waits, and the next answer is told."""
    person, case = new_id(), new_id()
    await harness.person(person)
    await harness.deliver(request(case, person, at=clock()), subject=case)
    await harness.deliver(eligibility(case, "ineligible", at=clock(), ends_case=False),
                          subject=case)
    await harness.deliver(eligibility(case, "eligible", at=clock()), subject=case)
    await harness.deliver(eligibility(case, "ineligible", at=clock(), ends_case=True),
                          subject=case)
    await harness.deliver(eligibility(case, "eligible", at=clock()), subject=case)
    await harness.send_due()
    assert [d.template for d in await harness.deliveries(subject=case)] == [
        "request_acknowledged", "eligibility_ineligible", "eligibility_eligible",
        "eligibility_ineligible"]


async def test_a_case_the_screening_did_not_approve_is_told_once_in_careful_words(harness, clock):
    """Whether the offender declined or another finding stood against it, she reads the same
    words, in her language: no reason, no blame; a redelivery tells her nothing more."""
    texts = {}
    for reason in ("offender_declined", "not_suitable"):
        person, case = new_id(), new_id()
        await harness.person(person, preferred_language="es")
        await harness.deliver(request(case, person, language="es", at=clock()), subject=case)
        closed = await harness.deliver(CaseClosed(case_id=case, reason=reason, at=clock(),
                                                  by="offender" if reason != "not_suitable"
                                                  else None), subject=case)
        await harness.redeliver(closed)
        await harness.send_due()
        [told] = [d for d in await harness.deliveries(subject=case)
                  if d.template != "request_acknowledged"]
        assert (told.template, told.status) == ("case_not_going_ahead", "sent")
        [mail] = [m for m in harness.email.sent if "Novedades" in m["message"].subject
                  and case not in texts]
        texts[reason] = " ".join(mail["message"].text.split())
        harness.email.sent.clear()
    assert texts["offender_declined"] == texts["not_suitable"]
    said = texts["offender_declined"]
    assert "no puede seguir adelante" in said and "No es un juicio" in said
    for word in ("ofensor", "rechaz", "negó", "declin"):
        assert word not in said.lower()
