"""Two requests about one offender that share an email or a phone (PossibleDuplicateFound) are a
matter for staff in screening: neither requester may learn of the other, so notifications sends
nothing about it, to anyone, now or later."""
from datetime import timedelta

from vod_shared.events import PossibleDuplicateFound

from ..support import new_id, request


async def test_a_possible_duplicate_causes_no_message_to_anyone(configured, clock):
    first, second = new_id(), new_id()
    await configured.person(first, email="shared@example.org")
    await configured.person(second, email="shared@example.org", given_name="Bea")
    older, newer = new_id(), new_id()
    await configured.deliver(request(older, first, at=clock(), reference="VOD-2026-000001"),
                             subject=older)
    await configured.deliver(request(newer, second, at=clock(), reference="VOD-2026-000002"),
                             subject=newer)
    await configured.send_due()
    assert len(configured.email.sent) == 2  # each acknowledged, as any request
    before = await configured.deliveries()
    announced = await configured.announced()

    found = PossibleDuplicateFound(case_id=newer, other_case_id=older,
                                   overlaps=["same_email"], at=clock())
    envelope = await configured.deliver(found, subject=newer)
    await configured.redeliver(envelope)
    clock.move(days=2)
    await configured.send_due()

    assert await configured.deliveries() == before  # no row to her, to the other, to staff
    assert len(configured.email.sent) == 2 and configured.sms.sent == []
    assert await configured.announced() == announced
    assert configured.dead == []


async def test_a_possible_duplicate_read_before_the_case_is_not_kept_for_it(configured, clock):
    """Not parked like the events about a case: nothing is told when the request arrives."""
    person, case = new_id(), new_id()
    await configured.person(person)
    await configured.deliver(PossibleDuplicateFound(case_id=case, other_case_id=new_id(),
                                                    overlaps=["same_phone"], at=clock()),
                             subject=case)
    clock.move(minutes=5)
    await configured.deliver(request(case, person, at=clock() - timedelta(minutes=5)),
                             subject=case)
    await configured.send_due()
    assert [d.template for d in await configured.deliveries()] == ["request_acknowledged"]
