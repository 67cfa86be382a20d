"""One data key per person (and per case, for what its requester said), so that a person can be
erased for good from topics that are never rewritten.

Intake makes each key (``SubjectKey``), keeps it in its own store sealed under its own key, and
is the only service that seals personal data onto a topic. A value is sealed under one
*purpose key* derived from the data key; each purpose names the services that may read it
(``PURPOSES``, the table of who reads what). Each reader is given, on the compacted topic
``vod.keys`` (``SubjectKeyGranted``), only the purpose keys it may use, wrapped for its own
public key by intake's (``crypto_box``: only that reader opens it, and only as intake's).

Every value is signed by the service that sealed it (Ed25519) over its key id, purpose,
subject and ciphertext, so no reader, nor anyone who can write to the broker, can pass off a
value as intake's, or a real one as about someone else.

Erasure: intake deletes the data key and writes a tombstone for each grant (compaction removes
the grant records); each reader deletes its copy on ``PersonErased``. What stays on the topics
is ciphertext under a key that no longer exists anywhere.
"""
import base64
import binascii
import hashlib
import json
import uuid
from dataclasses import dataclass

from nacl.exceptions import BadSignatureError, CryptoError
from nacl.secret import SecretBox
from nacl.utils import random

from vod_shared.events.people import SealedDetails, SubjectKeyGranted
from vod_shared.sealing import (
    ANOTHER_SUBJECT,
    MALFORMED,
    NOT_AUTHENTIC,
    NOT_SEALED_FOR_US,
    SEALER_NOT_ALLOWED,
    SEALER_UNKNOWN,
    CannotUnseal,
    Keyring,
    box,
    fingerprint,
)

# purpose -> the services that may read values sealed for it. Intake, which makes the keys,
# reads everything it seals; no other service is given a purpose it does not use.
CONTACT = "contact"  # name, email, phone, state, time zone, language: to reach the person
NAME = "name"  # the name alone, for the staff pages that show it
CASE_NOTES = "case_notes"  # what the requester wrote about the case
LOGISTICS = "logistics"  # what the dialogue's planning needs (travel accommodation)
INTAKE_ONLY = "intake_only"  # intake's own copies (contacts not yet proven, her changes)
PURPOSES: dict[str, tuple[str, ...]] = {
    CONTACT: ("intake", "notifications"),
    NAME: ("intake", "screening", "scheduling"),
    CASE_NOTES: ("intake", "screening", "scheduling"),
    LOGISTICS: ("intake", "screening", "scheduling"),
    INTAKE_ONLY: ("intake",),
}
KEY_MAKER = "intake"


def purposes_for(reader: str) -> tuple[str, ...]:
    return tuple(purpose for purpose, readers in PURPOSES.items() if reader in readers)


def readers_of_keys() -> tuple[str, ...]:
    """The services given keys on ``vod.keys``: every reader but the key maker."""
    return tuple(sorted({reader for readers in PURPOSES.values() for reader in readers}
                        - {KEY_MAKER}))


@dataclass(frozen=True)
class SubjectKey:
    """The data key of one person or case (``subject``), known by a random id."""
    key_id: str
    subject: str
    secret: bytes

    @classmethod
    def new(cls, subject: str) -> "SubjectKey":
        return cls(key_id=uuid.uuid4().hex, subject=subject, secret=random(SecretBox.KEY_SIZE))

    def purpose_key(self, purpose: str) -> bytes:
        return purpose_key(self.secret, purpose)


def purpose_key(secret: bytes, purpose: str) -> bytes:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    return hashlib.blake2b(purpose.encode(), key=secret, digest_size=SecretBox.KEY_SIZE,
                           person=b"vod-purpose").digest()


def _signed_part(key_id: str, purpose: str, about: str, sealed_by: str, ciphertext: bytes) -> bytes:
    digest = hashlib.blake2b(ciphertext, digest_size=32, person=b"vod-sealed").digest()
    return b"\0".join([b"vod-sealed-under-subject-key-v1", key_id.encode(), purpose.encode(),
                       about.encode(), sealed_by.encode(), digest])


def seal_under(details: dict, key: SubjectKey, purpose: str, *, keyring: Keyring) -> SealedDetails:
    """``details`` of ``key``'s subject, for the readers of ``purpose``, signed by the service
    whose keyring it is."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    ciphertext = bytes(SecretBox(key.purpose_key(purpose)).encrypt(
        json.dumps(details, ensure_ascii=False).encode()))
    signing = keyring.signing
    signed = _signed_part(key.key_id, purpose, key.subject, keyring.service, ciphertext)
    return SealedDetails(
        ciphertext=_b64(ciphertext), sealed_by=keyring.service, key_id=key.key_id,
        purpose=purpose, signature=_b64(signing.sign(signed).signature),
        sender_key=fingerprint(signing.verify_key))


def check_sealer(sealed: SealedDetails, *, keyring: Keyring, senders: tuple[str, ...],
                 about: str) -> None:
    """That ``sealed`` was sealed under a subject key, about ``about``, by one of ``senders``:
    no key is needed, so a forged value is refused on arrival. Raises CannotUnseal."""
    if sealed.key_id is None or sealed.purpose is None or sealed.signature is None:
        raise CannotUnseal(SEALER_UNKNOWN, "not sealed under a person's or case's key")
    if sealed.sealed_by is None:
        raise CannotUnseal(SEALER_UNKNOWN, "no sealed_by")
    if sealed.sealed_by not in senders:
        raise CannotUnseal(SEALER_NOT_ALLOWED, f"sealed by {sealed.sealed_by[:40]!r}, "
                                               f"not {' or '.join(sorted(senders))}")
    if sealed.sender_key is None:
        raise CannotUnseal(NOT_AUTHENTIC, "no signing key named")
    verify = keyring.verify_key(sealed.sealed_by, sealed.sender_key)
    try:
        ciphertext = base64.b64decode(sealed.ciphertext)
        signed = _signed_part(sealed.key_id, sealed.purpose, about, sealed.sealed_by, ciphertext)
        verify.verify(signed, base64.b64decode(sealed.signature))
    except BadSignatureError:
        raise CannotUnseal(NOT_AUTHENTIC, f"not signed by {sealed.sealed_by} about this "
                                          f"subject (forged, altered or replayed)") from None
    except (binascii.Error, ValueError, TypeError) as exc:
        raise CannotUnseal(MALFORMED, type(exc).__name__) from None


def open_under(sealed: SealedDetails, purpose_keys: dict[str, bytes], *, subject: str,
               about: str) -> dict:
    """The details, given the purpose keys held for ``sealed.key_id`` (whose subject is
    ``subject``); the caller has checked the sealer (``check_sealer``)."""
    if subject != about:
        raise CannotUnseal(ANOTHER_SUBJECT, "sealed about another subject")
    key = purpose_keys.get(sealed.purpose or "")
    if key is None:
        raise CannotUnseal(NOT_SEALED_FOR_US, f"no {sealed.purpose} key here")
    try:
        return json.loads(SecretBox(key).decrypt(base64.b64decode(sealed.ciphertext)))
    except CryptoError:
        raise CannotUnseal(NOT_AUTHENTIC, "ciphertext altered") from None
    except (binascii.Error, ValueError, TypeError) as exc:
        raise CannotUnseal(MALFORMED, type(exc).__name__) from None


def grant(key: SubjectKey, reader: str, *, keyring: Keyring) -> SubjectKeyGranted:
    """``key``'s purpose keys that ``reader`` may use, wrapped for ``reader``'s current public
    key by the key maker (whose keyring it is)."""
    reader_public = keyring.public(reader)
    payload = json.dumps({"subject": key.subject, "key_id": key.key_id,
                          "keys": {purpose: _b64(key.purpose_key(purpose))
                                   for purpose in purposes_for(reader)}}).encode()
    private = keyring.private
    return SubjectKeyGranted(
        subject_id=key.subject, key_id=key.key_id, reader=reader,
        reader_key=fingerprint(reader_public), sender_key=fingerprint(private.public_key),
        wrapped=_b64(box(private, reader_public).encrypt(payload)))


def grant_record_key(subject: str, reader: str) -> str:
    """The Kafka key of a grant on ``vod.keys``: one live record per subject and reader."""
    return f"{subject}/{reader}"


def open_grant(granted: SubjectKeyGranted, *, keyring: Keyring) -> dict[str, bytes]:
    """The purpose keys in a grant to this service, if intake wrapped them; raises
    CannotUnseal otherwise (forged, for another service, or for a retired key of ours)."""
    if granted.reader != keyring.service:
        raise CannotUnseal(NOT_SEALED_FOR_US, f"granted to {granted.reader[:40]}")
    private = keyring.private_by_id(granted.reader_key)
    public = keyring.public(KEY_MAKER, granted.sender_key)
    try:
        payload = json.loads(box(private, public).decrypt(base64.b64decode(granted.wrapped)))
    except CryptoError:
        raise CannotUnseal(NOT_AUTHENTIC, f"not wrapped by {KEY_MAKER}") from None
    except (binascii.Error, ValueError, TypeError) as exc:
        raise CannotUnseal(MALFORMED, type(exc).__name__) from None
    if payload.get("subject") != granted.subject_id or payload.get("key_id") != granted.key_id:
        raise CannotUnseal(ANOTHER_SUBJECT, "grant names another subject or key")
    allowed = set(purposes_for(keyring.service))
    return {purpose: base64.b64decode(value) for purpose, value in payload["keys"].items()
            if purpose in allowed}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
