"""The sender at the provider's pace (issue 13): texts no faster than the sender number may
send them, an escape overtaking the ordinary texts waiting for their turn, and a 429 slowing
every text down for its Retry-After."""
import asyncio

from notifications.adapters.pacing import Pace, Paces
from notifications.adapters.sms import THROTTLED
from notifications.domain.delivery import TemporaryFailure

from ..support import custody, new_id, registration


class TimedProvider:
    """Records when each text was handed over, and what it was about."""

    def __init__(self, inner) -> None:
        self.inner, self.calls = inner, []

    async def send(self, message, **kwargs):
        outcome = await self.inner.send(message, **kwargs)
        kind = "escape" if message.startswith("URGENT") else "other"
        self.calls.append((asyncio.get_running_loop().time(), kind, type(outcome).__name__))
        return outcome


async def _registrants(harness, clock, count: int, notify_on: list[str]) -> None:
    for _ in range(count):
        person, reg = new_id(), new_id()
        await harness.person(person, preferred_channel="sms")
        await harness.deliver(registration(reg, person, notify_on=notify_on, channel="sms",
                                           at=clock()), subject=reg)


async def _until(condition, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not in time")


async def test_texts_go_at_the_numbers_pace_and_an_escape_overtakes_those_waiting(
        harness, clock):
    await _registrants(harness, clock, 12, ["transfer"])
    await _registrants(harness, clock, 3, ["escape"])
    await harness.send_due()  # the registrations' acknowledgements
    timed = TimedProvider(harness.sms)
    sender = harness.sender
    sender._sms, sender._poll_interval_s = timed, 0.05
    sender._paces = {"sms": Paces(Pace(5.0))}  # 5 texts a second

    await harness.deliver(custody("transfer", at=clock(), facility="CMF"), subject="AB1234")
    sender.start()
    await _until(lambda: len(timed.calls) >= 2)
    await harness.deliver(custody("escape", at=clock(), status="escaped", facility=None),
                          subject="AB1234")
    planned = len(timed.calls)  # texts gone by the time the escape was planned
    await _until(lambda: len(timed.calls) == 15)
    await sender.stop()

    kinds = [kind for _, kind, _ in timed.calls]
    first_escape = kinds.index("escape")
    # the next texts out are the escapes (one or two given their turn meanwhile aside), and
    # transfers planned before them still waited: they went after
    assert planned < 12 and first_escape <= planned + 2, (planned, kinds)
    assert kinds[first_escape:first_escape + 3] == ["escape"] * 3, kinds
    assert kinds[-1] == "other", kinds
    times = [at for at, _, _ in timed.calls]
    assert times[-1] - times[0] >= 2.7  # 15 texts at 5 a second: 2.8 s at least


async def test_a_429_slows_every_text_down_for_its_retry_after(harness, clock):
    await _registrants(harness, clock, 3, ["escape"])
    await harness.send_due()
    harness.sms.script.append(TemporaryFailure(THROTTLED, 2.0))
    timed = TimedProvider(harness.sms)
    sender = harness.sender
    sender._sms, sender._poll_interval_s = timed, 0.05
    sender._paces = {"sms": Paces(Pace(1.0))}  # a long code

    await harness.deliver(custody("escape", at=clock(), status="escaped", facility=None),
                          subject="AB1234")
    sender.start()
    await _until(lambda: len(timed.calls) == 3)
    await sender.stop()

    (throttled_at, _, first), (next_at, _, _), _ = timed.calls
    assert first == "TemporaryFailure"
    assert next_at - throttled_at >= 1.9  # its Retry-After, not the 1 s of its usual pace
