"""Rotating notifications' key (the issue's "done when"): messages to people registered before
and after the rotation go out while both keys are held; ``python -m notifications.rewrap``
seals again under the new key its copies of their data keys and what it sealed for itself
(the text of replies); once the old key is retired, everything still opens and goes out."""
import os
import subprocess
import sys

from vod_shared.events import SealedDetails

from notifications.config import Settings
from notifications.rewrap import rewrap
from notifications.service_layer.replies import receive_text

from ..support import new_id, request


async def _acknowledged(harness, clock, *people) -> list[str]:
    """A request from each of ``people``; the addresses their acknowledgements went to."""
    harness.email.sent.clear()
    for person in people:
        case = new_id()
        await harness.deliver(request(case, person, at=clock()), subject=case)
    await harness.send_due()
    return sorted(mail["to"] for mail in harness.email.sent)


async def _text_back(harness, clock, sid: str, body: str, sender: str = "+16195550100"):
    async with harness.uow() as uow:
        return await receive_text(uow, harness.contact_keys, message_sid=sid,
                                  from_number=sender, body=body, now=clock())


async def _read_back(harness, sid: str) -> dict:
    async with harness.uow() as uow:
        [row] = [r for r in await uow.inbound.latest() if r.message_sid == sid]
    return harness.contact_keys.open_own(SealedDetails.model_validate_json(row.sealed),
                                         about=sid)


def _rewrap_command(harness) -> str:
    """``python -m notifications.rewrap`` against the harness's store and keys."""
    env = {**os.environ, "NOTIFICATIONS_DATABASE_URL": str(harness.engine.url),
           "VOD_KEYS_DIR": str(harness.keys.path), "LOG_LEVEL": "WARNING"}
    done = subprocess.run([sys.executable, "-m", "notifications.rewrap"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_messages_go_out_through_a_rotation_the_rewrap_and_the_retirement(
        harness, clock):
    before, after = new_id(), new_id()
    await harness.person(before, email="before@example.org")
    await _text_back(harness, clock, "SM-before", "Call me after 5 please")

    old_id, new_id_ = harness.keys.rotate("notifications")
    await harness.person(after, email="after@example.org")  # her key wrapped for the new key
    assert await _acknowledged(harness, clock, before, after) == [
        "after@example.org", "before@example.org"]
    assert (await _read_back(harness, "SM-before"))["body"] == "Call me after 5 please"

    printed = _rewrap_command(harness)
    assert "held_keys: 1 re-wrapped" in printed  # hers from before; his is under the new key
    assert "inbound_sms.sealed: 1 re-wrapped" in printed
    harness.keys.retire("notifications", old_id)
    assert old_id not in harness.keys.private_keys("notifications")

    assert await _acknowledged(harness, clock, before, after) == [
        "after@example.org", "before@example.org"]
    assert (await _read_back(harness, "SM-before"))["body"] == "Call me after 5 please"
    # her number is still matched to her (her contact opens with her key's new copy)
    await _text_back(harness, clock, "SM-after", "STOP")
    async with harness.uow() as uow:
        assert await uow.people.opted_out_of_sms(before)
    assert (await _read_back(harness, "SM-after"))["body"] == "STOP"


async def test_the_rewrap_is_idempotent_and_counts_what_it_did(harness, clock):
    person = new_id()
    await harness.person(person)
    await _text_back(harness, clock, "SM-1", "hello")
    settings = Settings(NOTIFICATIONS_DATABASE_URL=str(harness.engine.url),
                        VOD_KEYS_DIR=str(harness.keys.path))
    assert await rewrap(settings) == {"held_keys": 0, "inbound_sms.sealed": 0}

    harness.keys.rotate("notifications")
    assert await rewrap(settings) == {"held_keys": 1, "inbound_sms.sealed": 1}
    assert await rewrap(settings) == {"held_keys": 0, "inbound_sms.sealed": 0}
