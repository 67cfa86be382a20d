"""SIGTERM during a burst of escape texts while the SMS provider is slow (issue 16): the sender
starts no new send once told to stop, lets the ones in flight finish, and leaves the rest
pending for the next start — none is cut off half-way and left unknown, none is sent twice."""
import asyncio

from ..support import custody, new_id, registration

REGISTRANTS = 12


async def _escape_texts(harness) -> list:
    return [d for d in await harness.deliveries()
            if str(d.channel) == "sms" and d.template == "custody_escape"]


class SlowProvider:
    """An SMS API that takes ``delay`` seconds to answer, recording each call."""

    def __init__(self, inner, delay: float) -> None:
        self.inner, self.delay, self.started = inner, delay, 0

    async def send(self, message, **kwargs):
        self.started += 1
        await asyncio.sleep(self.delay)
        return await self.inner.send(message, **kwargs)


async def test_stopping_mid_burst_finishes_the_sends_in_flight_and_starts_no_more(
        harness, clock):
    for _ in range(REGISTRANTS):
        person, reg = new_id(), new_id()
        await harness.person(person, preferred_channel="sms")
        await harness.deliver(registration(reg, person, notify_on=["escape"], channel="sms",
                                           at=clock()), subject=reg)
    await harness.send_due()  # the registrations' acknowledgements
    harness.sms.sent.clear(), harness.email.sent.clear()
    await harness.deliver(custody("escape", at=clock(), status="escaped", facility=None),
                          subject="AB1234")
    slow = SlowProvider(harness.sms, delay=0.4)
    harness.sender._sms = slow

    harness.sender.start()
    while slow.started == 0:
        await asyncio.sleep(0.01)
    await harness.sender.stop(grace_s=5.0)  # SIGTERM arrives with the first sends in flight

    texts = await _escape_texts(harness)
    states = sorted(str(d.status) for d in texts)
    assert "sending" not in states and "unknown" not in states, states
    sent = [d for d in texts if str(d.status) == "sent"]
    assert len(sent) == slow.started  # every call that began, ended
    assert len(sent) < REGISTRANTS  # it stopped starting new ones

    harness.sender._sms = harness.sms  # the next start sends the rest, once each
    harness.sender.start()
    for _ in range(200):
        if all(str(d.status) == "sent" for d in await _escape_texts(harness)):
            break
        await asyncio.sleep(0.05)
    await harness.sender.stop()
    texts = await _escape_texts(harness)
    assert sorted(str(d.status) for d in texts) == ["sent"] * REGISTRANTS
    escape_texts = [t for t in harness.sms.sent if t["message"].startswith("URGENT")]
    assert len(escape_texts) == REGISTRANTS  # each registrant's text once: 1 + the rest
    assert len({t["delivery_id"] for t in escape_texts}) == REGISTRANTS
