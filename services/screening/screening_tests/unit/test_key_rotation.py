"""Rotating screening's key: the copies of people's and cases' keys in its key book, sealed under
the previous key, still open while it is held; ``python -m screening.rewrap`` seals them again
under the current key, after which the previous key can be retired and everything still opens.
Retired without the re-wrap, those copies would open no more."""
import os
import subprocess
import sys

from vod_shared.sealing import KeyDirectory
from vod_shared.staff import Role

from screening.rewrap import rewrap

from ..conftest import new_cdcr_number

TRAVEL = {"offer_travel_accommodation": True}


async def named_case(screening) -> str:
    request = screening.intake_request(new_cdcr_number(), TRAVEL)
    await screening.apply(screening.person(request.requester_id), subject=request.requester_id)
    await screening.grant(request.requester_id, request.case_id)
    await screening.apply(request)
    return request.case_id


async def shown(screening, case_id: str) -> tuple[str | None, bool | None]:
    screener = await screening.staff(Role.SCREENER)
    case = (await screener.get(f"/api/cases/{case_id}")).json()
    return case["requester_name"], case["travel_accommodation"]


def rewrap_command(screening) -> str:
    """``python -m screening.rewrap`` against the test's store and keys."""
    settings = screening.settings
    env = {**os.environ, "SCREENING_DATABASE_URL": settings.effective_database_url(),
           "VOD_DATA_DIR": str(settings.data_dir),
           "VOD_KEYS_DIR": str(settings.effective_keys_dir())}
    done = subprocess.run([sys.executable, "-m", "screening.rewrap"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_the_key_book_opens_through_a_rotation_the_rewrap_and_the_retirement(screening):
    keys = KeyDirectory(screening.settings.effective_keys_dir())
    before = await named_case(screening)
    old_id, new_id = keys.rotate("screening")
    after = await named_case(screening)  # its keys granted for screening's new key
    assert await shown(screening, before) == ("Ana López", True)
    assert await shown(screening, after) == ("Ana López", True)

    printed = rewrap_command(screening)
    assert "held_keys: 2 re-wrapped" in printed  # the person's and the case's from before
    keys.retire("screening", old_id)
    assert list(keys.private_keys("screening")) == [new_id]

    assert await shown(screening, before) == ("Ana López", True)
    assert await shown(screening, after) == ("Ana López", True)


async def test_retired_without_the_rewrap_the_old_copies_open_no_more(screening):
    keys = KeyDirectory(screening.settings.effective_keys_dir())
    case_id = await named_case(screening)
    old_id, _ = keys.rotate("screening")
    keys.retire("screening", old_id)
    assert await shown(screening, case_id) == (None, None)


async def test_the_rewrap_is_idempotent_and_counts_what_it_did(screening):
    keys = KeyDirectory(screening.settings.effective_keys_dir())
    await named_case(screening)
    assert await rewrap(screening.settings) == {"held_keys": 0}
    keys.rotate("screening")
    assert await rewrap(screening.settings) == {"held_keys": 2}
    assert await rewrap(screening.settings) == {"held_keys": 0}
