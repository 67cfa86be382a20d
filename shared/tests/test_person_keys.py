"""One data key per person: who can open what, what erasure leaves, and key rotation — against
a real SQLite store (the key book) and real key files."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from vod_shared.db import create_engine, session_factory
from vod_shared.keybook import KeyBook, KeyNotHereYet, held_keys, key_metadata
from vod_shared.person_keys import (
    CASE_NOTES,
    CONTACT,
    NAME,
    PURPOSES,
    SubjectKey,
    grant,
    open_grant,
    seal_under,
)
from vod_shared.sealing import (
    ERASED,
    NOT_AUTHENTIC,
    NOT_SEALED_FOR_US,
    SEALER_NOT_ALLOWED,
    CannotUnseal,
    KeyDirectory,
)

HERS, HIS = "a7c1e0d2-hers", "5b2f9e11-his"
CONTACT_DETAILS = {"given_name": "Ana", "email": "ana@example.org", "phone": "+16195550100"}
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def keys(tmp_path) -> KeyDirectory:
    keys = KeyDirectory(tmp_path / "keys")
    keys.init()
    return keys


@pytest.fixture
async def stores(tmp_path):
    """A store of its own for each reader service, by name."""
    engines = {}

    async def store(name: str):
        if name not in engines:
            engines[name] = create_engine(f"sqlite+aiosqlite:///{tmp_path / f'{name}.db'}")
            async with engines[name].begin() as conn:
                await conn.run_sync(key_metadata.create_all)
        return session_factory(engines[name])

    yield store
    for engine in engines.values():
        await engine.dispose()


@pytest.fixture
async def sessions(stores):
    return await stores("notifications")


def intake(keys: KeyDirectory):
    return keys.keyring("intake")


async def given(sessions, book: KeyBook, *keys_: SubjectKey, keyring) -> None:
    async with sessions() as session:
        for key in keys_:
            assert await book.keep(session, grant(key, book.keyring.service, keyring=keyring), NOW)
        await session.commit()


async def opened(sessions, book: KeyBook, sealed, about: str) -> dict:
    async with sessions() as session:
        return await book.open(session, sealed, about=about)


async def refused(sessions, book: KeyBook, sealed, about: str) -> CannotUnseal:
    with pytest.raises(CannotUnseal) as failure:
        await opened(sessions, book, sealed, about)
    assert "ana" not in str(failure.value).lower()  # a reason code, never the data
    return failure.value


async def test_each_reader_opens_only_the_purposes_the_table_gives_it(keys, sessions, stores):
    hers = SubjectKey.new(HERS)
    contact = seal_under(CONTACT_DETAILS, hers, CONTACT, keyring=intake(keys))
    name = seal_under({"given_name": "Ana"}, hers, NAME, keyring=intake(keys))
    notifications = KeyBook(keys.keyring("notifications"))
    screening = KeyBook(keys.keyring("screening"))
    screenings = await stores("screening")
    await given(sessions, notifications, hers, keyring=intake(keys))
    await given(screenings, screening, hers, keyring=intake(keys))

    assert await opened(sessions, notifications, contact, HERS) == CONTACT_DETAILS
    assert (await refused(sessions, notifications, name, HERS)).reason == NOT_SEALED_FOR_US
    assert await opened(screenings, screening, name, HERS) == {"given_name": "Ana"}
    assert (await refused(screenings, screening, contact, HERS)).reason == NOT_SEALED_FOR_US
    # what the grant to screening carries, read with screening's own key: no contact key
    granted = open_grant(grant(hers, "screening", keyring=intake(keys)),
                         keyring=keys.keyring("screening"))
    assert set(granted) == {NAME, CASE_NOTES, "logistics"}
    assert set(PURPOSES[CONTACT]) == {"intake", "notifications"}


async def test_a_value_not_signed_by_intake_about_her_is_refused_before_any_key(keys, sessions):
    hers, his = SubjectKey.new(HERS), SubjectKey.new(HIS)
    book = KeyBook(keys.keyring("notifications"))
    await given(sessions, book, hers, his, keyring=intake(keys))
    # sealed by notifications (which holds her contact key) and claimed as intake's
    forged = seal_under({"email": "him@example.org"}, hers, CONTACT,
                        keyring=keys.keyring("notifications"))
    assert (await refused(sessions, book, forged, HERS)).reason == SEALER_NOT_ALLOWED
    claimed = forged.model_copy(update={"sealed_by": "intake"})
    assert (await refused(sessions, book, claimed, HERS)).reason == NOT_AUTHENTIC
    # his real value, published as hers
    his_value = seal_under({"email": "him@example.org"}, his, CONTACT, keyring=intake(keys))
    assert (await refused(sessions, book, his_value, HERS)).reason == NOT_AUTHENTIC
    # a grant to notifications forged by screening is refused
    fake = grant(hers, "notifications", keyring=keys.keyring("screening"))
    with pytest.raises(CannotUnseal):
        async with sessions() as session:
            await book.keep(session, fake.model_copy(update={"sender_key": grant(
                hers, "notifications", keyring=intake(keys)).sender_key}), NOW)


async def test_after_erasure_nothing_opens_and_a_late_grant_is_not_kept(keys, sessions):
    hers = SubjectKey.new(HERS)
    contact = seal_under(CONTACT_DETAILS, hers, CONTACT, keyring=intake(keys))
    book = KeyBook(keys.keyring("notifications"))
    await given(sessions, book, hers, keyring=intake(keys))
    async with sessions() as session:
        await book.erase(session, [HERS], NOW)
        await session.commit()
    assert (await refused(sessions, book, contact, HERS)).reason == ERASED
    async with sessions() as session:
        assert not await book.keep(session, grant(hers, "notifications", keyring=intake(keys)), NOW)
        await session.commit()
        assert (await session.execute(select(held_keys))).all() == []


async def test_a_value_whose_key_has_not_arrived_waits(keys, sessions):
    hers = SubjectKey.new(HERS)
    contact = seal_under(CONTACT_DETAILS, hers, CONTACT, keyring=intake(keys))
    with pytest.raises(KeyNotHereYet):
        await opened(sessions, KeyBook(keys.keyring("notifications")), contact, HERS)


async def test_rotating_a_readers_key(keys, sessions):
    """Old and new values open while both keys are held; after the re-wrap and the retirement
    of the old key, everything still opens; a grant for the retired key is ignored."""
    before = SubjectKey.new(HERS)
    old_value = seal_under(CONTACT_DETAILS, before, CONTACT, keyring=intake(keys))
    book = KeyBook(keys.keyring("notifications"))
    await given(sessions, book, before, keyring=intake(keys))
    stale_grant = grant(before, "notifications", keyring=intake(keys))

    old_id, new_id = keys.rotate("notifications")
    after = SubjectKey.new(HIS)
    new_value = seal_under({"email": "new@example.org"}, after, CONTACT, keyring=intake(keys))
    await given(sessions, book, after, keyring=intake(keys))  # wrapped for the new key
    assert await opened(sessions, book, old_value, HERS) == CONTACT_DETAILS
    assert await opened(sessions, book, new_value, HIS) == {"email": "new@example.org"}

    async with sessions() as session:
        assert await book.rewrap(session) == 1  # only the copy under the old key
        await session.commit()
    keys.retire("notifications", old_id)
    assert old_id not in keys.private_keys("notifications")
    assert await opened(sessions, book, old_value, HERS) == CONTACT_DETAILS
    assert await opened(sessions, book, new_value, HIS) == {"email": "new@example.org"}
    async with sessions() as session:  # replayed from the key topic before intake re-grants
        assert not await book.keep(session, stale_grant, NOW)
    assert new_id in keys.private_keys("notifications")


def test_rotating_intakes_signing_key_keeps_old_signatures_valid(keys):
    from vod_shared.person_keys import check_sealer

    hers = SubjectKey.new(HERS)
    old_value = seal_under(CONTACT_DETAILS, hers, CONTACT, keyring=intake(keys))
    old_id, _ = keys.rotate("intake")
    keys.retire("intake", old_id)
    new_value = seal_under(CONTACT_DETAILS, hers, CONTACT, keyring=intake(keys))
    reader = keys.keyring("notifications")
    for value in (old_value, new_value):
        check_sealer(value, keyring=reader, senders=("intake",), about=HERS)
    assert old_value.sender_key != new_value.sender_key


def test_retired_private_keys_are_gone_from_disk_public_halves_stay(keys):
    old_id, new_id = keys.rotate("screening")
    files = {path.name for path in keys.path.iterdir()}
    assert f"screening.{old_id}.old.key" in files and f"screening.{old_id}.old.sign" in files
    keys.retire("screening", old_id)
    files = {path.name for path in keys.path.iterdir()}
    assert f"screening.{old_id}.old.key" not in files
    assert f"screening.{old_id}.old.sign" not in files
    assert f"screening.{old_id}.old.pub" in files
    assert (keys.path / "screening.key").stat().st_mode & 0o077 == 0


def test_split_gives_each_host_only_its_own_private_keys(keys, tmp_path):
    keys.rotate("notifications")
    made = keys.split(tmp_path / "hosts")
    for service, files in made.items():
        private = {name for name in files if name.endswith((".key", ".sign"))}
        assert private and all(name.startswith(f"{service}.") or name == "blind-index.key"
                               for name in private)
        assert ("blind-index.key" in private) == (service == "intake")
        folder = KeyDirectory(tmp_path / "hosts" / service)
        folder.keyring(service).private  # it opens what is wrapped for it
        assert set(folder.verify_keys_of("intake")) == set(keys.verify_keys_of("intake"))
    assert len([n for n in made["notifications"] if n.endswith(".key")]) == 2  # old + current
