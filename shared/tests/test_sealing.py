import pytest

from vod_shared.sealing import CannotUnseal, KeyDirectory, seal, unseal

DETAILS = {"given_name": "Ana", "email": "ana@example.org", "phone": "+16195550100"}


@pytest.fixture
def keys(tmp_path) -> KeyDirectory:
    keys = KeyDirectory(tmp_path / "keys")
    keys.init()
    return keys


def test_only_the_named_readers_can_open_a_persons_details(keys):
    sealed = seal(DETAILS, keys.public_keys(("intake", "notifications")))
    assert unseal(sealed, "notifications", keys.private_key("notifications")) == DETAILS
    assert unseal(sealed, "intake", keys.private_key("intake")) == DETAILS
    with pytest.raises(CannotUnseal):
        unseal(sealed, "scheduling", keys.private_key("scheduling"))
    with pytest.raises(CannotUnseal):  # a key of the wrong service does not open it either
        unseal(sealed, "notifications", keys.private_key("intake"))
    assert "ana@example.org" not in sealed.model_dump_json()


def test_init_keeps_existing_keys_and_private_keys_are_private(keys):
    before = keys.public_key("intake")
    assert keys.init() == []
    assert keys.public_key("intake") == before
    assert (keys.path / "intake.key").stat().st_mode & 0o077 == 0


def test_a_missing_key_says_how_to_make_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="make setup"):
        KeyDirectory(tmp_path).private_key("intake")
