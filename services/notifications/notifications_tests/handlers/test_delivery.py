"""At most one send per (cause, person, channel); retries, failures and unknown outcomes,
each announced; in order per person."""
from sqlalchemy import update

from vod_shared.envelope import new_envelope
from vod_devtools.testing import IntakeSealer
from vod_shared.events import Channel, Language, PersonErased, PersonRegistered
from vod_shared.person_keys import INTAKE_ONLY
from vod_shared.sealing import KeyDirectory

from notifications.adapters.orm import deliveries
from notifications.domain.delivery import OutcomeUnknown, PermanentFailure, TemporaryFailure
from notifications.domain.model import Notice
from notifications.service_layer import handlers

from ..support import contact, custody, new_id, registration, request, sealed_by_intake


async def _requests(harness, clock, person, n, **kwargs):
    cases = [new_id() for _ in range(n)]
    for i, case in enumerate(cases):
        await harness.deliver(request(case, person, at=clock(), reference=f"VOD-2026-{i:06d}",
                                      **kwargs), subject=case)
    return cases


async def _stored_earlier(harness, person, sealed):
    """Her contact in the store as if kept before (its key since changed, say)."""
    async with harness.uow() as uow:
        await uow.people.save_contact(person, sealed, harness.clock())
        await uow.commit()


async def _announced(harness, type_name):
    return [e.data for e in await harness.announced() if e.type == type_name]


async def test_a_replayed_cause_under_a_new_inbox_sends_nothing_twice(harness, clock):
    person = new_id()
    await harness.person(person)
    [case] = await _requests(harness, clock, person, 1)
    await harness.send_due()
    # Even if the inbox forgot the event (a store partly rebuilt), the delivery key holds.
    async with harness.uow() as uow:
        [row] = await harness.deliveries(subject=case)
        added = await uow.deliveries.plan(Notice(person, row.template, (Channel.EMAIL,), case,
                                                 row.reference, Language.EN),
                                          cause_event_id=row.cause_event_id, now=clock())
        await uow.commit()
    assert added == 0
    await harness.send_due()
    assert len(harness.email.sent) == 1


async def test_a_provider_down_then_back_delivers_everything_once_in_order(harness, clock):
    people = [new_id(), new_id()]
    for person in people:
        await harness.person(person, email=f"{person}@example.org")
    harness.email.script.extend([TemporaryFailure("smtp_unreachable:OSError")] * 2)
    for person in people:
        await _requests(harness, clock, person, 3)
    await harness.send_due()
    assert harness.email.sent == []  # each person's first message failed; the rest waited
    for _ in range(3):
        clock.move(minutes=2)
        await harness.send_due()
    for person in people:
        references = [m["message"].subject[-16:-1] for m in harness.email.sent
                      if m["to"] == f"{person}@example.org"]
        assert references == ["VOD-2026-000000", "VOD-2026-000001", "VOD-2026-000002"]
    assert len(await _announced(harness, "vod.NotificationSent.v1")) == 6


async def test_too_many_requests_waits_as_long_as_the_provider_asks(harness, clock):
    person = new_id()
    await harness.person(person)
    harness.email.script.append(TemporaryFailure("sms_throttled:429", retry_after_s=600))
    await _requests(harness, clock, person, 1)
    await harness.send_due()
    clock.move(seconds=599)
    await harness.send_due()
    assert harness.email.sent == []
    clock.move(seconds=1)
    await harness.send_due()
    assert len(harness.email.sent) == 1


async def test_a_permanent_failure_ends_at_once_and_is_announced_with_a_code(harness, clock):
    person = new_id()
    await harness.person(person)
    harness.email.script.append(PermanentFailure("smtp_recipient_refused:550"))
    [case] = await _requests(harness, clock, person, 1)
    await harness.send_due()
    [row] = await harness.deliveries(subject=case)
    assert (row.status, row.reason, row.attempts) == ("failed", "smtp_recipient_refused:550", 1)
    [failed] = await _announced(harness, "vod.NotificationFailed.v1")
    assert failed.reason == "smtp_recipient_refused:550" and failed.recipient_id == person


async def test_temporary_failures_give_up_after_a_day(harness, clock):
    person = new_id()
    await harness.person(person)
    harness.email.script.extend([TemporaryFailure("smtp_rejected:451")] * 100)
    [case] = await _requests(harness, clock, person, 1)
    for _ in range(40):
        await harness.send_due()
        clock.move(hours=1)
    [row] = await harness.deliveries(subject=case)
    assert row.status == "failed" and row.reason == "gave_up:smtp_rejected:451"
    assert 20 < row.attempts < 40
    assert [f.reason for f in await _announced(harness, "vod.NotificationFailed.v1")] == [
        "gave_up:smtp_rejected:451"]


async def test_an_unknown_outcome_is_never_sent_again_and_is_left_for_staff(harness, clock):
    person = new_id()
    await harness.person(person, preferred_channel="sms")
    harness.sms.script.append(OutcomeUnknown("sms_no_answer:ReadTimeout"))
    [case] = await _requests(harness, clock, person, 1, channel="sms")
    for _ in range(3):
        await harness.send_due()
        clock.move(hours=1)
    [row] = await harness.deliveries(subject=case)
    assert row.status == "unknown" and len(harness.sms.sent) == 1
    [failed] = await _announced(harness, "vod.NotificationFailed.v1")
    assert failed.reason == "outcome_unknown"


async def test_a_send_cut_off_by_a_crash_becomes_unknown_after_its_lease(harness, clock):
    person = new_id()
    await harness.person(person)
    [case] = await _requests(harness, clock, person, 1)
    async with harness.engine.begin() as conn:  # as a crash between the call and its record
        await conn.execute(update(deliveries).values(status="sending", sending_since=clock(),
                                                     attempts=1))
    clock.move(minutes=4)
    await harness.send_due()
    assert (await harness.deliveries(subject=case))[0].status == "sending"
    clock.move(minutes=2)
    await harness.send_due()
    [row] = await harness.deliveries(subject=case)
    assert row.status == "unknown" and harness.email.sent == []
    [failed] = await _announced(harness, "vod.NotificationFailed.v1")
    assert failed.reason == "outcome_unknown"


async def test_a_slow_send_of_this_process_is_not_declared_unknown_while_it_is_under_way(
        harness, clock):
    """Past its lease, a row this very sender still has in flight (a slow provider, a busy
    machine) waits for its outcome: declaring it unknown would tell staff "may not have been
    delivered" about a message that then goes. Once not in flight here, the lease decides."""
    person = new_id()
    await harness.person(person)
    [case] = await _requests(harness, clock, person, 1)
    async with harness.engine.begin() as conn:
        await conn.execute(update(deliveries).values(status="sending", sending_since=clock(),
                                                     attempts=1))
    [row] = await harness.deliveries(subject=case)
    clock.move(minutes=6)
    harness.sender._in_flight.add(row.id)  # as _deliver holds it between claim and record
    await harness.sender.reconcile_interrupted()
    assert (await harness.deliveries(subject=case))[0].status == "sending"
    harness.sender._in_flight.discard(row.id)  # the process that claimed it is gone
    await harness.sender.reconcile_interrupted()
    assert (await harness.deliveries(subject=case))[0].status == "unknown"


async def test_without_an_address_on_the_chosen_channel_the_other_one_carries_it(harness, clock):
    person = new_id()
    await harness.person(person, phone=None, preferred_channel="sms")
    [case] = await _requests(harness, clock, person, 1, channel="sms")
    await harness.send_due()
    rows = {d.channel: (d.status, d.reason) for d in await harness.deliveries(subject=case)}
    assert rows == {"sms": ("skipped", "no_sms_address"), "email": ("sent", None)}


async def test_nobody_reachable_is_a_failure_staff_see(harness, clock):
    person = new_id()
    await harness.person(person, phone=None, email=None)
    [case] = await _requests(harness, clock, person, 1)
    await harness.send_due()
    [failed] = await _announced(harness, "vod.NotificationFailed.v1")
    assert failed.reason == "no_email_address"


async def test_an_escape_goes_by_email_only_to_someone_without_a_phone(harness, clock):
    person, reg = new_id(), new_id()
    await harness.person(person, phone=None)
    await harness.deliver(registration(reg, person, notify_on=["escape"], channel="email",
                                       at=clock()), subject=reg)
    await harness.deliver(custody("escape", at=clock()), subject="AB1234")
    await harness.send_due()
    escape = [d for d in await harness.deliveries(subject=reg) if d.template == "custody_escape"]
    assert sorted((d.channel, d.status) for d in escape) == [("email", "sent"), ("sms", "skipped")]
    assert await _announced(harness, "vod.NotificationFailed.v1") == []


async def test_an_erased_person_is_forgotten_and_not_told_anything_more(harness, clock):
    person = new_id()
    await harness.person(person)
    [case] = await _requests(harness, clock, person, 1)
    await harness.deliver(PersonErased(person_id=person, at=clock()), subject=person)
    await _requests(harness, clock, person, 1)
    await harness.send_due()
    assert harness.email.sent == [] and await harness.deliveries(recipient_id=person) == []
    async with harness.uow() as uow:
        assert await uow.people.contact(person) is None
        assert await uow.cases.get(case) is None


async def test_the_delivery_row_and_the_inbox_row_commit_together(harness, clock):
    """A handler that fails after planning leaves neither: the event is tried again whole."""
    person, case = new_id(), new_id()
    envelope = new_envelope(request(case, person, at=clock()), source="/t", subject=case)
    async with harness.uow() as uow:
        assert await uow.first_time_seen("notifications", envelope)
        await handlers.request_received(envelope, uow, clock=clock, parked_handlers={})
        await uow.rollback()
    assert await harness.deliveries(subject=case) == []
    await harness.redeliver(envelope)
    assert len(await harness.deliveries(subject=case)) == 1


async def test_details_not_sealed_for_this_service_fail_and_staff_see_it(harness, clock):
    """Such details are not kept when they arrive (dead letters: the delivery waits for her
    contact); one stored before that check fails its deliveries."""
    person = new_id()
    sealed = sealed_by_intake(harness.intake, contact(), INTAKE_ONLY, about=person)
    await harness.grant(person)  # what notifications is given of her key: no intake_only key
    await harness.deliver(PersonRegistered(person_id=person, sealed=sealed, at=clock()),
                          subject=person, dead_letter_expected=True)
    [(reason, _)] = harness.dead
    assert reason.startswith("unprocessable: person details refused: not_sealed_for_us")
    harness.dead.clear()
    [case] = await _requests(harness, clock, person, 1)
    await harness.send_due()
    [row] = await harness.deliveries(subject=case)
    assert row.status == "pending" and harness.email.sent == []
    await _stored_earlier(harness, person, sealed)
    await harness.send_due()
    [row] = await harness.deliveries(subject=case)
    assert (row.status, row.reason) == ("failed", "contact_not_sealed_for_us")


async def test_a_key_that_cannot_open_details_sealed_for_us_holds_rather_than_fails(
        harness, clock, tmp_path):
    """Details kept earlier that intake's keys (or this service's) no longer open: a key was
    changed, an operator's matter."""
    other_keys = KeyDirectory(tmp_path / "someone-elses-keys")
    other_keys.init()
    person = new_id()
    sealed = sealed_by_intake(IntakeSealer(other_keys.path), contact(), about=person)
    await _stored_earlier(harness, person, sealed)
    [case] = await _requests(harness, clock, person, 1)
    await harness.send_due()
    [row] = await harness.deliveries(subject=case)
    assert row.status == "pending" and row.due_at > clock() and harness.email.sent == []


async def test_her_key_copy_under_a_key_retired_before_the_rewrap_holds_rather_than_fails(
        harness, clock):
    """This service's key was rotated and the old one retired without the re-wrap: the copy of
    her key no longer opens. An operator's matter: nothing is failed for it."""
    person = new_id()
    await harness.person(person)
    old_id, _ = harness.keys.rotate("notifications")
    harness.keys.retire("notifications", old_id)
    [case] = await _requests(harness, clock, person, 1)
    await harness.send_due()
    [row] = await harness.deliveries(subject=case)
    assert row.status == "pending" and row.due_at > clock() and harness.email.sent == []
