"""Her data key comes a moment after her messages are planned (it travels on vod.keys): all of
her messages wait for it together, a message planned meanwhile waits behind them, and they go
in the order they were planned once it has come — none overtakes the first (seen in CI: a
held first message was overtaken by later ones)."""
from ..support import new_id, request


async def _request(harness, clock, person, n: int) -> None:
    case = new_id()
    await harness.deliver(request(case, person, at=clock(), reference=f"VOD-2026-00000{n}"),
                          subject=case)


async def test_messages_waiting_for_her_key_go_in_order_once_it_comes(harness, clock):
    person = new_id()
    await harness.person(person, key=False)
    for n in range(3):
        await _request(harness, clock, person, n)
    await harness.sender.send_due()  # one pass of the sender: the first finds no key
    assert harness.email.sent == []

    await _request(harness, clock, person, 3)  # planned while the others wait
    await harness.grant(person)  # the key comes before the next pass
    await harness.sender.send_due()
    assert harness.email.sent == []  # the held ones go first, when their wait ends
    clock.move(seconds=6)
    await harness.send_due()
    order = [sent["message"].subject[-16:-1] for sent in harness.email.sent]
    assert order == [f"VOD-2026-00000{n}" for n in range(4)], order
