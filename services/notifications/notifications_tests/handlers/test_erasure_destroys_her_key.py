"""Erasing a person destroys this service's copy of her data key (and of the keys erased with
it) in the transaction that forgets her: nothing of hers opens here again, a custody change
for her offender tells her nothing, and a message that was about to go to her is dropped."""
from sqlalchemy import select

from vod_shared.events import PersonErased
from vod_shared.keybook import erased_subjects, held_keys

from ..support import contact, custody, new_id, person_registered, registration, request


async def _erase(harness, clock, person, *subjects) -> None:
    await harness.deliver(PersonErased(person_id=person, subjects=list(subjects), at=clock()),
                          subject=person)


async def _keys_held(harness) -> list[str]:
    async with harness.engine.connect() as conn:
        return list((await conn.execute(select(held_keys.c.subject_id))).scalars())


async def test_after_her_erasure_a_custody_change_sends_her_nothing_and_no_key_is_held(
        harness, clock):
    her, other, reg, case = new_id(), new_id(), new_id(), new_id()
    await harness.person(her, preferred_channel="sms")
    await harness.person(other, email="other@example.org")
    harness.intake.key_for(case)  # the key of what she said in her case
    await harness.grant(case)
    await harness.deliver(registration(reg, her, notify_on=["release"], at=clock()), subject=reg)
    await harness.deliver(registration(new_id(), other, notify_on=["release"], channel="email",
                                       at=clock()), subject="r2")
    await harness.send_due()
    assert [m["to"] for m in harness.sms.sent] == ["+16195550100"]
    assert sorted(await _keys_held(harness)) == sorted([her, other, case])
    harness.sms.sent.clear(), harness.email.sent.clear()

    await _erase(harness, clock, her, case)
    assert sorted(await _keys_held(harness)) == [other]
    assert await harness.held_keys(her) == [] and await harness.held_keys(case) == []
    async with harness.engine.connect() as conn:
        erased = set((await conn.execute(select(erased_subjects.c.subject_id))).scalars())
    assert erased == {her, case}

    # what would bring her back: her key replayed from vod.keys, her details from vod.people
    await harness.grant(her)
    await harness.deliver(person_registered(harness.intake, her, contact(), clock()),
                          subject=her)
    await harness.deliver(custody("release", at=clock(), status="on_parole"), subject="AB1234")
    await harness.send_due()
    assert harness.sms.sent == []
    assert [m["to"] for m in harness.email.sent] == ["other@example.org"]
    assert await harness.deliveries(recipient_id=her) == []
    assert await harness.held_keys(her) == []
    async with harness.uow() as uow:
        assert await uow.people.contact(her) is None


async def test_a_message_about_to_go_when_her_key_is_erased_is_dropped_never_sent(
        harness, clock):
    """Her key erased between the sender reading her details and opening them (the erasure
    commits in between): the message ends cancelled, ``recipient_erased``, on every channel,
    is not announced as failed nor handed to staff, and is never tried again."""
    her, case = new_id(), new_id()
    await harness.person(her)
    await harness.deliver(request(case, her, at=clock()), subject=case)
    async with harness.uow() as uow:  # her key alone, as the erasure would
        await harness.contact_keys.book.erase(uow.session, [her], clock())
        await uow.commit()

    await harness.send_due()
    [row] = await harness.deliveries(subject=case)
    assert (row.status, row.reason) == ("cancelled", "recipient_erased")
    assert harness.email.sent == [] and harness.sms.sent == []
    assert not [e for e in await harness.announced() if e.type == "vod.NotificationFailed.v1"]
    clock.move(days=2)
    await harness.send_due()
    assert harness.email.sent == [] and harness.sms.sent == []
    assert len(await harness.deliveries(recipient_id=her)) == 1
