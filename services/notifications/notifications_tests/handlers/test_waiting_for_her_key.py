"""Her data key comes a moment after her messages are planned (it travels on vod.keys): all of
her messages wait for it together, and go in the order they were planned once it has come —
none overtakes the first (seen in CI: a held first message was overtaken by later ones)."""
from ..support import new_id, request


async def test_messages_waiting_for_her_key_go_in_order_once_it_comes(harness, clock):
    person = new_id()
    await harness.person(person, key=False)
    for n in range(3):
        case = new_id()
        await harness.deliver(request(case, person, at=clock(), reference=f"VOD-2026-00000{n}"),
                              subject=case)
    await harness.sender.send_due()  # one pass of the sender: the first finds no key
    assert harness.email.sent == []

    await harness.grant(person)  # the key comes before the next pass
    await harness.send_due()
    assert harness.email.sent == []  # the held ones wait their turn together
    clock.move(seconds=6)
    await harness.send_due()
    order = [sent["message"].subject[-16:-1] for sent in harness.email.sent]
    assert order == ["VOD-2026-000000", "VOD-2026-000001", "VOD-2026-000002"], order
