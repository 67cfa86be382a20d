"""A custody escape to many registrants: their texts and emails are claimed, and their
outcomes recorded, a batch to a transaction (not two transactions a message), and each goes
once."""
from notifications.adapters.pacing import Pool

from ..support import custody, new_id, registration

REGISTRANTS = 12


def _counting_commits(harness) -> list[int]:
    """The sender's and the outcome recorder's commits, counted."""
    commits, real = [], harness.sender._uow

    def uow():
        unit = real()
        commit = unit.commit

        async def counted():
            commits.append(1)
            await commit()
        unit.commit = counted
        return unit
    harness.sender._uow = harness.outcomes._uow = uow
    return commits


async def test_an_escape_to_many_is_claimed_and_recorded_in_batches_and_each_goes_once(
        harness, clock):
    for _ in range(REGISTRANTS):
        person, reg = new_id(), new_id()
        await harness.person(person, preferred_channel="sms")
        await harness.deliver(registration(reg, person, notify_on=["escape"], channel="sms",
                                           at=clock()), subject=reg)
    await harness.send_due()  # the acknowledgements
    harness.sms.sent.clear(), harness.email.sent.clear()
    harness.sender._pool = Pool(2 * REGISTRANTS)  # every message may be in flight at once
    commits = _counting_commits(harness)

    await harness.deliver(custody("escape", at=clock(), status="escaped", facility=None),
                          subject="AB1234")
    await harness.send_due()

    texts = [t for t in harness.sms.sent if t["message"].startswith("URGENT")]
    assert len(texts) == REGISTRANTS == len({t["delivery_id"] for t in texts})
    assert len(harness.email.sent) == REGISTRANTS  # an escape goes on every channel she has
    escape = [d for d in await harness.deliveries() if d.template == "custody_escape"]
    assert sorted(str(d.status) for d in escape) == ["sent"] * 2 * REGISTRANTS
    # one message at a time took two commits each (48); a batch takes one for all of it
    assert len(commits) <= 6, len(commits)
    announced = [e for e in await harness.announced() if e.type == "vod.NotificationSent.v1"
                 and e.data.template == "custody_escape"]
    assert len(announced) == 2 * REGISTRANTS
