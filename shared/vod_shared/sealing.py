"""Sealing a person's details so that only the services allowed to read them can, and so that
each of them knows which service sealed them.

Each person's details are encrypted with a data key of their own (libsodium's SecretBox, through
PyNaCl). That key, with a digest of the ciphertext, is wrapped for each service allowed to read
it in a ``Box`` between the sealing service's private key and the reader's public key
(authenticated public-key encryption): only that reader's private key opens it, and it opens
only with the public key of the service that sealed it. ``sealed_by`` names that service; the
reader opens the value only if the caller allows that service at that call site (``senders``),
and with that service's public key, so a value someone else sealed, whatever it claims, is
refused (``CannotUnseal``). Anyone who can write to the broker can still publish a value, but
not one that any service will take as sealed by another. Each value is also bound to what it is
about (``about``: the person's id, the case's id, ...), inside the authenticated wrapped key:
a real value replayed under another id (his own details published as hers, say) is refused
(``ANOTHER_SUBJECT``). Nothing else on a topic or in a log can read it. Destroying every
wrapped copy of a person's key erases the person (``PersonErased``).

Values sealed before this (anonymously, with libsodium's SealedBox, and without ``sealed_by``)
are refused like any value whose sealer is not known, and values sealed before they were bound
to a subject are refused as about another one: a development store made before either must be
started afresh (``make clean``).

Keys live as files in ``VOD_KEYS_DIR`` (default ``$VOD_DATA_DIR/keys``): ``<service>.key``
(private, mode 0600, only on that service's host in production) and ``<service>.pub``.
``python -m vod_shared.sealing init`` creates any that are missing.
"""
import base64
import binascii
import hashlib
import json
import sys
from collections.abc import Mapping
from pathlib import Path

from nacl.exceptions import CryptoError
from nacl.public import Box, PrivateKey, PublicKey
from nacl.secret import SecretBox
from nacl.utils import random

from vod_shared.events.people import SealedDetails

SERVICES = ("intake", "screening", "scheduling", "notifications")
_DIGEST_SIZE = 32

# Why a value could not be opened (CannotUnseal.reason): codes, never data from the value.
NOT_SEALED_FOR_US = "not_sealed_for_us"
SEALER_UNKNOWN = "sealer_unknown"  # no ``sealed_by``: sealed the old way, or forged
SEALER_NOT_ALLOWED = "sealer_not_allowed"  # a sealer this call site does not take values from
NOT_AUTHENTIC = "not_authentic"  # not wrapped by the named sealer's key for ours, or altered
ANOTHER_SUBJECT = "another_subject"  # a real value, but sealed about another id (replayed)
MALFORMED = "malformed"


class CannotUnseal(LookupError):
    """This service cannot open these details: not sealed for it, not sealed by a service it
    takes them from, or not what that service sealed (forged or tampered with)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _digest(ciphertext: bytes) -> bytes:
    return hashlib.blake2b(ciphertext, digest_size=_DIGEST_SIZE, person=b"vod-sealed").digest()


def _subject(about: str) -> bytes:
    if not isinstance(about, str) or not about:
        raise ValueError("a sealed value must be about something: pass its id as about=")
    return about.encode()


def seal(details: dict, readers: Mapping[str, PublicKey], *, sender: str,
         sender_key: PrivateKey, about: str) -> SealedDetails:
    """``details`` under a new data key, wrapped for each reader by ``sender`` (whose private
    key is ``sender_key``). The wrapped key also holds a digest of the ciphertext, so a reader,
    who knows the data key, cannot put other details under another service's wrapped keys, and
    ``about``, the id of what the details are about (a person's, a case's), so the value is
    not taken for anything else's."""
    subject = _subject(about)
    data_key = random(SecretBox.KEY_SIZE)
    ciphertext = SecretBox(data_key).encrypt(json.dumps(details, ensure_ascii=False).encode())
    payload = data_key + _digest(bytes(ciphertext)) + subject
    return SealedDetails(
        wrapped_keys={name: _b64(Box(sender_key, key).encrypt(payload))
                      for name, key in readers.items()},
        ciphertext=_b64(ciphertext),
        sealed_by=sender,
    )


def unseal(sealed: SealedDetails, service: str, private_key: PrivateKey, *,
           senders: Mapping[str, PublicKey], about: str) -> dict:
    """The details, if ``sealed`` was sealed for ``service`` by one of ``senders`` (name ->
    public key: the services this call site takes such values from) about ``about`` (the id
    it is read for); else CannotUnseal."""
    subject = _subject(about)
    sealer = sealed.sealed_by
    if sealer is None:
        raise CannotUnseal(SEALER_UNKNOWN, "no sealed_by (sealed the old way?)")
    if sealer not in senders:
        raise CannotUnseal(SEALER_NOT_ALLOWED, f"sealed by {sealer[:40]!r}, "
                                               f"not {' or '.join(sorted(senders)) or 'anyone'}")
    wrapped = sealed.wrapped_keys.get(service)
    if wrapped is None:
        raise CannotUnseal(NOT_SEALED_FOR_US, f"no data key sealed for {service}")
    try:
        payload = Box(private_key, senders[sealer]).decrypt(base64.b64decode(wrapped))
        ciphertext = base64.b64decode(sealed.ciphertext)
    except CryptoError:
        raise CannotUnseal(NOT_AUTHENTIC, f"not wrapped by {sealer}'s key for {service}") from None
    except (binascii.Error, ValueError, TypeError) as exc:
        raise CannotUnseal(MALFORMED, type(exc).__name__) from None
    data_key = payload[:SecretBox.KEY_SIZE]
    digest = payload[SecretBox.KEY_SIZE:SecretBox.KEY_SIZE + _DIGEST_SIZE]
    if len(data_key) != SecretBox.KEY_SIZE or digest != _digest(ciphertext):
        raise CannotUnseal(NOT_AUTHENTIC, f"not the ciphertext {sealer} sealed")
    if payload[SecretBox.KEY_SIZE + _DIGEST_SIZE:] != subject:
        raise CannotUnseal(ANOTHER_SUBJECT, "sealed about another subject")
    try:
        return json.loads(SecretBox(data_key).decrypt(ciphertext))
    except CryptoError:
        raise CannotUnseal(NOT_AUTHENTIC, "ciphertext altered") from None
    except ValueError as exc:
        raise CannotUnseal(MALFORMED, type(exc).__name__) from None


class KeyDirectory:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def private_key(self, service: str) -> PrivateKey:
        return PrivateKey(base64.b64decode(self._read(f"{service}.key")))

    def public_key(self, service: str) -> PublicKey:
        return PublicKey(base64.b64decode(self._read(f"{service}.pub")))

    def public_keys(self, services: tuple[str, ...]) -> dict[str, PublicKey]:
        return {name: self.public_key(name) for name in services}

    def init(self, services: tuple[str, ...] = SERVICES) -> list[str]:
        """Creates the key pairs that are missing; returns the services it made keys for."""
        self.path.mkdir(parents=True, exist_ok=True)
        made = []
        for name in services:
            private, public = self.path / f"{name}.key", self.path / f"{name}.pub"
            if private.exists():
                continue
            key = PrivateKey.generate()
            private.touch(mode=0o600)
            private.write_text(_b64(bytes(key)))
            public.write_text(_b64(bytes(key.public_key)))
            made.append(name)
        return made

    def _read(self, name: str) -> str:
        try:
            return (self.path / name).read_text().strip()
        except FileNotFoundError:
            raise FileNotFoundError(
                f"key file {self.path / name} is missing: run `make setup` (or "
                f"`python -m vod_shared.sealing init {self.path}`)") from None


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "init":
        raise SystemExit("usage: python -m vod_shared.sealing init KEYS_DIR")
    made = KeyDirectory(Path(sys.argv[2])).init()
    print(f"keys in {sys.argv[2]}: created for {', '.join(made) or 'none (all present)'}")
