import base64
import json

import pytest
from nacl.public import Box, PrivateKey, SealedBox
from nacl.secret import SecretBox
from nacl.utils import random

from vod_shared.events import SealedDetails
from vod_shared.sealing import (
    ANOTHER_SUBJECT,
    NOT_AUTHENTIC,
    NOT_SEALED_FOR_US,
    SEALER_NOT_ALLOWED,
    SEALER_UNKNOWN,
    CannotUnseal,
    KeyDirectory,
    seal,
    unseal,
)

DETAILS = {"given_name": "Ana", "email": "ana@example.org", "phone": "+16195550100"}
HERS = "3f1c2a9e-5b7d-4e0a-9c61-0d2b8f4a7e15"  # the person the details are about


@pytest.fixture
def keys(tmp_path) -> KeyDirectory:
    keys = KeyDirectory(tmp_path / "keys")
    keys.init()
    return keys


def by_intake(keys: KeyDirectory, *readers: str, details: dict = DETAILS,
              about: str = HERS) -> SealedDetails:
    return seal(details, keys.public_keys(readers), sender="intake",
                sender_key=keys.private_key("intake"), about=about)


def opened_by(keys: KeyDirectory, sealed: SealedDetails, service: str, *, senders=("intake",),
              about: str = HERS):
    return unseal(sealed, service, keys.private_key(service), senders=keys.public_keys(senders),
                  about=about)


def refusal(keys: KeyDirectory, sealed: SealedDetails, service: str, **kw) -> CannotUnseal:
    with pytest.raises(CannotUnseal) as refused:
        opened_by(keys, sealed, service, **kw)
    assert "ana" not in str(refused.value).lower()  # a reason code, never the data
    return refused.value


def test_only_the_named_readers_can_open_a_persons_details(keys):
    sealed = by_intake(keys, "intake", "notifications")
    assert sealed.sealed_by == "intake"
    assert opened_by(keys, sealed, "notifications") == DETAILS
    assert opened_by(keys, sealed, "intake") == DETAILS
    assert refusal(keys, sealed, "scheduling").reason == NOT_SEALED_FOR_US
    with pytest.raises(CannotUnseal):  # a key of the wrong service does not open it either
        unseal(sealed, "notifications", keys.private_key("intake"),
               senders=keys.public_keys(("intake",)), about=HERS)
    assert "ana@example.org" not in sealed.model_dump_json()


def test_a_service_may_seal_for_itself(keys):
    sealed = seal(DETAILS, keys.public_keys(("notifications",)), sender="notifications",
                  sender_key=keys.private_key("notifications"), about=HERS)
    assert opened_by(keys, sealed, "notifications", senders=("notifications",)) == DETAILS
    # ... but a call site that takes values from intake alone does not take it
    assert refusal(keys, sealed, "notifications").reason == SEALER_NOT_ALLOWED


def test_a_value_sealed_by_a_service_not_allowed_here_is_refused(keys):
    sealed = seal(DETAILS, keys.public_keys(("notifications",)), sender="screening",
                  sender_key=keys.private_key("screening"), about=HERS)
    refused = refusal(keys, sealed, "notifications", senders=("intake",))
    assert refused.reason == SEALER_NOT_ALLOWED and "screening" in str(refused)


def test_a_value_claiming_intake_but_wrapped_by_another_key_is_refused(keys):
    """Anyone who can write to the broker knows notifications' public key: what he seals to
    it with a key pair of his own does not pass for intake's, whatever ``sealed_by`` says."""
    forger = PrivateKey.generate()
    forged = seal({**DETAILS, "email": "him@example.org"}, keys.public_keys(("notifications",)),
                  sender="intake", sender_key=forger, about=HERS)
    assert forged.sealed_by == "intake"
    assert refusal(keys, forged, "notifications").reason == NOT_AUTHENTIC
    # nor does another service's real key, sealing under intake's name
    posing = seal(DETAILS, keys.public_keys(("notifications",)), sender="intake",
                  sender_key=keys.private_key("scheduling"), about=HERS)
    assert refusal(keys, posing, "notifications").reason == NOT_AUTHENTIC


def test_a_value_about_another_subject_is_refused(keys):
    """His own details, really sealed by intake, replayed as another person's (or a case's
    notes under another case's id): the id they are about is inside the authenticated wrapped
    key, so they open only for the id they were sealed about."""
    his_id = "9a0e6c1d-2b4f-4a8e-8d3c-5f7b1e2a6c90"
    his = by_intake(keys, "notifications", details={**DETAILS, "email": "him@example.org"},
                    about=his_id)
    assert opened_by(keys, his, "notifications", about=his_id)["email"] == "him@example.org"
    refused = refusal(keys, his, "notifications", about=HERS)
    assert refused.reason == ANOTHER_SUBJECT
    assert "another subject" in str(refused)
    assert his_id not in str(refused) and HERS not in str(refused)  # no ids in the message
    # a prefix or an extension of the id does not pass either
    assert refusal(keys, his, "notifications", about=his_id[:-1]).reason == ANOTHER_SUBJECT
    assert refusal(keys, his, "notifications", about=his_id + "0").reason == ANOTHER_SUBJECT


def test_a_value_must_be_about_something(keys):
    with pytest.raises(ValueError):
        by_intake(keys, "notifications", about="")
    with pytest.raises(ValueError):
        opened_by(keys, by_intake(keys, "notifications"), "notifications", about="")


def test_a_tampered_ciphertext_is_refused(keys):
    sealed = by_intake(keys, "notifications")
    raw = bytearray(base64.b64decode(sealed.ciphertext))
    raw[-1] ^= 1
    tampered = sealed.model_copy(update={"ciphertext": base64.b64encode(bytes(raw)).decode()})
    assert refusal(keys, tampered, "notifications").reason == NOT_AUTHENTIC


def test_a_reader_cannot_put_other_details_under_the_sealers_wrapped_keys(keys):
    """Screening knows the data key of what intake sealed for it; other details under that
    key, with intake's wrapped key for notifications, are still not intake's."""
    sealed = by_intake(keys, "screening", "notifications")
    wrapped = base64.b64decode(sealed.wrapped_keys["screening"])
    data_key = Box(keys.private_key("screening"), keys.public_key("intake")).decrypt(wrapped)[:32]
    other = SecretBox(data_key).encrypt(json.dumps({**DETAILS, "email": "x@example.org"}).encode())
    swapped = sealed.model_copy(update={"ciphertext": base64.b64encode(bytes(other)).decode()})
    assert refusal(keys, swapped, "notifications").reason == NOT_AUTHENTIC


def test_a_value_sealed_the_old_way_is_refused(keys):
    """Anonymous SealedBox wrapping and no ``sealed_by``: nothing says who sealed it."""
    data_key = random(SecretBox.KEY_SIZE)
    legacy = SealedDetails(
        wrapped_keys={"notifications": base64.b64encode(
            SealedBox(keys.public_key("notifications")).encrypt(data_key)).decode()},
        ciphertext=base64.b64encode(
            bytes(SecretBox(data_key).encrypt(json.dumps(DETAILS).encode()))).decode())
    assert legacy.sealed_by is None
    assert refusal(keys, legacy, "notifications").reason == SEALER_UNKNOWN
    # naming a sealer does not make the anonymous wrapping pass either
    named = legacy.model_copy(update={"sealed_by": "intake"})
    assert refusal(keys, named, "notifications").reason == NOT_AUTHENTIC


def test_init_keeps_existing_keys_and_private_keys_are_private(keys):
    before = keys.public_key("intake")
    assert keys.init() == []
    assert keys.public_key("intake") == before
    assert (keys.path / "intake.key").stat().st_mode & 0o077 == 0


def test_a_missing_key_says_how_to_make_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="make setup"):
        KeyDirectory(tmp_path).private_key("intake")


def _written_long_ago(folder, seconds: float) -> None:
    """As on a host running for a while: the key files and their folder untouched since."""
    import os
    import time
    when = time.time() - seconds
    for path in [folder, *folder.iterdir()]:
        os.utime(path, (when, when))


def test_keys_are_parsed_once_and_a_rotation_or_retirement_is_seen_at_once(keys):
    from vod_shared.sealing import fingerprint

    _written_long_ago(keys.path, 120)
    current = keys.private_key("intake")
    assert keys.private_key("intake") is current  # kept parsed, not read again

    old, new = KeyDirectory(keys.path).rotate("intake")  # the operator's command, elsewhere
    assert fingerprint(keys.private_key("intake").public_key) == new  # changed just now
    _written_long_ago(keys.path, 60)
    assert fingerprint(keys.private_key("intake").public_key) == new
    assert set(keys.private_keys("intake")) == {old, new}
    assert set(keys.public_keys_of("intake")) == {old, new}

    KeyDirectory(keys.path).retire("intake", old)
    _written_long_ago(keys.path, 30)
    assert set(keys.private_keys("intake")) == {new}
