"""Rotating scheduling's key: staff's sealed notes, the letters' words and the copies of cases' keys in the key book,
sealed under the previous key, still open while it is held; ``python -m scheduling.rewrap``
seals them again under the current key, after which the previous key can be retired and
everything still opens. Retired without the re-wrap, they would open no more."""
import os
import subprocess
import sys
import uuid

import pytest

from vod_devtools.testing import IntakeSealer
from vod_shared.events import PersonErased
from vod_shared.sealing import CannotUnseal, KeyDirectory
from vod_shared.staff import Role

from scheduling.rewrap import rewrap
from scheduling_tests.conftest import approved, eligible, request, start_app
from scheduling_tests.unit.test_following_other_services import add_facilitator


@pytest.fixture
async def rotating(tmp_path, clock):
    """Scheduling with key files of its own, as the rotation changes them."""
    keys = KeyDirectory(tmp_path / "keys")
    keys.init()
    app = await start_app(tmp_path, clock, keys_dir=keys.path, intake=IntakeSealer(keys.path))
    app.keys = keys
    yield app
    await app.close()


async def held_case(app, words: str) -> tuple[str, object]:
    """A case out of state, held with staff's own words; its id and its request."""
    coordinator = await app.staff(Role.COORDINATOR)
    await add_facilitator(coordinator, "Eli")
    case_id = str(uuid.uuid4())
    opened = request(case_id, travel=True, intake=app.intake)
    await app.feed(opened, eligible(case_id), approved(case_id))
    held = await coordinator.post(f"/api/cases/{case_id}/hold", json={
        "by": "director", "reason_code": "health", "reason": words})
    assert held.status_code == 200, held.text
    return case_id, opened


async def note_of(app, case_id: str) -> str | None:
    coordinator = await app.staff(Role.COORDINATOR)
    [note] = (await coordinator.get(f"/api/cases/{case_id}")).json()["notes"]
    return note["note"]


async def travel_opens(app, opened) -> bool:
    """What intake sealed about the case still opens with the key book's copy of its key."""
    async with app.runtime.uow() as uow:
        return (await app.keybook.open(uow.session, opened.logistics, about=opened.case_id))[
            "offer_travel_accommodation"]


def rewrap_command(app) -> str:
    """``python -m scheduling.rewrap`` against the test's store and keys."""
    env = {**os.environ, "SCHEDULING_DATABASE_URL": app.settings.effective_database_url(),
           "VOD_DATA_DIR": str(app.settings.data_dir), "VOD_KEYS_DIR": str(app.keys.path)}
    done = subprocess.run([sys.executable, "-m", "scheduling.rewrap"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_notes_and_keys_open_through_a_rotation_the_rewrap_and_the_retirement(rotating):
    before, opened_before = await held_case(rotating, "in hospital until May")
    old_id, new_id = rotating.keys.rotate("scheduling")
    after, opened_after = await held_case(rotating, "moving house")
    assert await note_of(rotating, before) == "in hospital until May"
    assert await note_of(rotating, after) == "moving house"
    assert await travel_opens(rotating, opened_before) is True

    printed = rewrap_command(rotating)
    assert "held_keys: 1 re-wrapped" in printed  # the first case's; the second's is new
    assert "staff_notes.sealed: 1 re-wrapped" in printed
    rotating.keys.retire("scheduling", old_id)
    assert list(rotating.keys.private_keys("scheduling")) == [new_id]

    assert await note_of(rotating, before) == "in hospital until May"
    assert await note_of(rotating, after) == "moving house"
    assert await travel_opens(rotating, opened_before) is True
    assert await travel_opens(rotating, opened_after) is True


async def test_retired_without_the_rewrap_they_open_no_more(rotating):
    case_id, opened = await held_case(rotating, "in hospital until May")
    old_id, _ = rotating.keys.rotate("scheduling")
    rotating.keys.retire("scheduling", old_id)
    assert await note_of(rotating, case_id) is None
    with pytest.raises(CannotUnseal, match="key_retired"):
        await travel_opens(rotating, opened)


async def letter_to(app, case_id: str, words: str) -> str:
    coordinator = await app.staff(Role.COORDINATOR)
    received = await coordinator.post(f"/api/cases/{case_id}/letters", json={
        "received_on": "2026-03-02", "text": words})
    assert received.status_code == 201, received.text
    return received.json()[0]["letter_id"]


async def letters_of(app, case_id: str) -> list:
    coordinator = await app.staff(Role.COORDINATOR)
    return [(letter["text"], letter["erased"]) for letter in
            (await coordinator.get(f"/api/cases/{case_id}/letters")).json()]


async def test_the_rewrap_is_idempotent_and_counts_what_it_did(rotating, clock):
    kept_case, _ = await held_case(rotating, "needs a week")
    erased_case, opened = await held_case(rotating, "in hospital until May")
    await letter_to(rotating, kept_case, "I am sorry.")
    await letter_to(rotating, erased_case, "I am sorry too.")
    await rotating.feed(PersonErased(person_id=opened.requester_id, subjects=[erased_case],
                                     at=clock()), subject=opened.requester_id)
    assert await letters_of(rotating, erased_case) == [(None, True)]
    nothing = {"held_keys": 0, "staff_notes.sealed": 0, "letters.sealed": 0}
    assert await rewrap(rotating.settings) == nothing
    old_id, _ = rotating.keys.rotate("scheduling")
    # the erased case's note, letter and key are gone: nothing of it to re-wrap
    assert await rewrap(rotating.settings) == {"held_keys": 1, "staff_notes.sealed": 1,
                                               "letters.sealed": 1}
    assert await rewrap(rotating.settings) == nothing
    rotating.keys.retire("scheduling", old_id)
    assert await letters_of(rotating, kept_case) == [("I am sorry.", False)]
