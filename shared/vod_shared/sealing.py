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
import os
import sys
import time
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from nacl.exceptions import CryptoError
from nacl.public import Box, PrivateKey, PublicKey
from nacl.signing import SigningKey, VerifyKey
from nacl.secret import SecretBox
from nacl.utils import random

from vod_shared.events.people import SealedDetails

SERVICES = ("intake", "screening", "scheduling", "notifications")
_DIGEST_SIZE = 32
# Key files as parsed, for every KeyDirectory of this process: (path, type) -> (the file's
# identity when read, the key). Reading and parsing them on every use cost a signed webhook
# some 30 file reads and as many key derivations. A changed file (a rotation, a retirement)
# has another identity; one changed in the last second is read again on every use, as its
# time stamp may not yet tell a second change from the first.
_PARSED: dict[tuple[str, type], tuple[tuple, object]] = {}
_LISTED: dict[tuple[str, str], tuple[tuple, list[str]]] = {}
_SETTLED_S = 1.0
_CACHED_MAX = 512

# Why a value could not be opened (CannotUnseal.reason): codes, never data from the value.
NOT_SEALED_FOR_US = "not_sealed_for_us"
SEALER_UNKNOWN = "sealer_unknown"  # no ``sealed_by``: sealed the old way, or forged
SEALER_NOT_ALLOWED = "sealer_not_allowed"  # a sealer this call site does not take values from
NOT_AUTHENTIC = "not_authentic"  # not wrapped by the named sealer's key for ours, or altered
ANOTHER_SUBJECT = "another_subject"  # a real value, but sealed about another id (replayed)
MALFORMED = "malformed"
KEY_RETIRED = "key_retired"  # wrapped for a key of ours that was rotated and retired
ERASED = "erased"  # under a person's (or case's) key that was destroyed: erased for good


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
        wrapped_keys={name: _b64(box(sender_key, key).encrypt(payload))
                      for name, key in readers.items()},
        ciphertext=_b64(ciphertext),
        sealed_by=sender,
        reader_keys={name: fingerprint(key) for name, key in readers.items()},
        sender_key=fingerprint(sender_key.public_key),
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
        payload = box(private_key, senders[sealer]).decrypt(base64.b64decode(wrapped))
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


def box(private: PrivateKey, public: PublicKey) -> Box:
    """``Box(private, public)``, kept for the next value between the same two keys: making
    one is an X25519 key agreement, the costliest step of sealing a small value."""
    return _box(bytes(private), bytes(public))


@lru_cache(maxsize=128)
def _box(private: bytes, public: bytes) -> Box:
    return Box(PrivateKey(private), PublicKey(public))


def fingerprint(public: PublicKey | VerifyKey) -> str:
    """A short public id for a key (its version): names which key sealed, wrapped or signed a
    value, so a keyring with old and new keys picks the right one."""
    return hashlib.blake2b(bytes(public), digest_size=8, person=b"vod-key-id").hexdigest()


class Keyring:
    """One service's keys as it uses them: its own private keys (the current one and any it
    was rotated from and has not yet retired), its signing keys, and the public keys of the
    others (every version still on file; public keys are not secret)."""

    def __init__(self, directory: "KeyDirectory", service: str) -> None:
        self.directory = directory
        self.service = service

    @property
    def private(self) -> PrivateKey:
        return self.directory.private_key(self.service)

    def private_by_id(self, key_id: str | None) -> PrivateKey:
        keys = self.directory.private_keys(self.service)
        if key_id is None:
            return self.private
        if key_id not in keys:
            raise CannotUnseal(KEY_RETIRED, f"{self.service} no longer holds key {key_id[:16]}")
        return keys[key_id]

    def private_keys(self) -> dict[str, PrivateKey]:
        return self.directory.private_keys(self.service)

    def public(self, service: str, key_id: str | None = None) -> PublicKey:
        if key_id is None:
            return self.directory.public_key(service)
        keys = self.directory.public_keys_of(service)
        if key_id not in keys:
            raise CannotUnseal(NOT_AUTHENTIC, f"no public key {key_id[:16]} of {service}")
        return keys[key_id]

    @property
    def signing(self) -> SigningKey:
        return self.directory.signing_key(self.service)

    def verify_key(self, service: str, key_id: str) -> VerifyKey:
        keys = self.directory.verify_keys_of(service)
        if key_id not in keys:
            raise CannotUnseal(NOT_AUTHENTIC, f"no signing key {key_id[:16]} of {service}")
        return keys[key_id]

    def seal(self, details: dict, readers: tuple[str, ...], *, about: str) -> SealedDetails:
        """``seal`` for ``readers`` (by name, their current keys), sealed by this service."""
        return seal(details, {name: self.public(name) for name in readers},
                    sender=self.service, sender_key=self.private, about=about)

    def unseal(self, sealed: SealedDetails, *, senders: tuple[str, ...], about: str) -> dict:
        """``unseal`` with whichever of this service's keys the value was wrapped for, from
        one of ``senders`` (with whichever of their keys sealed it)."""
        ours = (sealed.reader_keys or {}).get(self.service)
        theirs = sealed.sender_key
        if sealed.sealed_by in senders:
            public = {sealed.sealed_by: self.public(sealed.sealed_by, theirs)}
        else:
            public = {name: self.public(name) for name in senders}
        if ours is not None:
            return unseal(sealed, self.service, self.private_by_id(ours), senders=public,
                          about=about)
        failure: CannotUnseal | None = None
        for key in self.private_keys().values():  # sealed before values named their key
            try:
                return unseal(sealed, self.service, key, senders=public, about=about)
            except CannotUnseal as exc:
                failure = failure or exc
        raise failure or CannotUnseal(NOT_SEALED_FOR_US)

    def sealed_with_current_key(self, sealed: SealedDetails) -> bool:
        return (sealed.reader_keys or {}).get(self.service) == fingerprint(self.private.public_key)

    def reseal(self, sealed: SealedDetails, *, about: str) -> SealedDetails:
        """A value this service sealed for itself, sealed again under its current key (the
        re-wrap after a rotation)."""
        return self.seal(self.unseal(sealed, senders=(self.service,), about=about),
                         (self.service,), about=about)


class KeyDirectory:
    """Key files in one folder. ``<service>.key``/``.pub``: the current encryption key pair
    (X25519); ``<service>.sign``/``.verify``: the signing pair (Ed25519); after a rotation the
    previous ones are kept as ``<service>.<key id>.old.key`` (and ``.pub``, ``.sign``,
    ``.verify``) until retired. ``blind-index.key``: intake's secret for matching repeated
    requests, its own secret so the encryption keys can rotate without it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def keyring(self, service: str) -> Keyring:
        return Keyring(self, service)

    def private_key(self, service: str) -> PrivateKey:
        return self._key(f"{service}.key", PrivateKey)

    def private_keys(self, service: str) -> dict[str, PrivateKey]:
        """Current and not yet retired previous private keys, by key id."""
        keys = {}
        current = self.private_key(service)
        keys[fingerprint(current.public_key)] = current
        for old in self._old(service, "key"):
            key = self._key(old, PrivateKey)
            keys[fingerprint(key.public_key)] = key
        return keys

    def public_key(self, service: str) -> PublicKey:
        return self._key(f"{service}.pub", PublicKey)

    def public_keys(self, services: tuple[str, ...]) -> dict[str, PublicKey]:
        return {name: self.public_key(name) for name in services}

    def public_keys_of(self, service: str) -> dict[str, PublicKey]:
        keys = {}
        for name in [f"{service}.pub", *self._old(service, "pub")]:
            key = self._key(name, PublicKey)
            keys[fingerprint(key)] = key
        return keys

    def signing_key(self, service: str) -> SigningKey:
        return self._key(f"{service}.sign", SigningKey)

    def verify_keys_of(self, service: str) -> dict[str, VerifyKey]:
        keys = {}
        for name in [f"{service}.verify", *self._old(service, "verify")]:
            key = self._key(name, VerifyKey)
            keys[fingerprint(key)] = key
        return keys

    def blind_index_key(self) -> bytes:
        return self._key("blind-index.key", bytes)

    def init(self, services: tuple[str, ...] = SERVICES) -> list[str]:
        """Creates the keys that are missing; returns what it made keys for."""
        self.path.mkdir(parents=True, exist_ok=True)
        made = []
        for name in services:
            if not (self.path / f"{name}.key").exists():
                self._new_box_pair(name)
                made.append(name)
            if not (self.path / f"{name}.sign").exists():
                self._new_signing_pair(name)
                made.append(f"{name} (signing)")
        index = self.path / "blind-index.key"
        if not index.exists():
            self._write_secret(index, random(32))
            made.append("blind index")
        return made

    def rotate(self, service: str) -> tuple[str, str]:
        """Moves ``service``'s current key pairs aside (kept as old until retired) and makes new
        ones; returns (old key id, new key id) of the encryption pair."""
        old_box = fingerprint(self.public_key(service))
        for suffix in ("key", "pub", "sign", "verify"):  # one version id names both pairs
            (self.path / f"{service}.{suffix}").rename(
                self.path / f"{service}.{old_box}.old.{suffix}")
        new = self._new_box_pair(service)
        self._new_signing_pair(service)
        return old_box, fingerprint(new.public_key)

    def retire(self, service: str, key_id: str) -> list[str]:
        """Deletes ``service``'s previous private keys with id ``key_id`` (after every stored
        value was re-wrapped): what was under them only, and only then, no longer opens. The
        public halves stay, to check old signatures and wrappings by that key."""
        gone = []
        for suffix in ("key", "sign"):
            path = self.path / f"{service}.{key_id}.old.{suffix}"
            if path.exists():
                path.unlink()
                gone.append(path.name)
        return gone

    def split(self, out: Path) -> dict[str, list[str]]:
        """One folder per service under ``out`` holding only what that service's host needs:
        its own private keys (current and previous), every service's public halves, and for
        intake the blind-index secret. Returns the files put in each."""
        import shutil

        made: dict[str, list[str]] = {}
        public = [p for p in self.path.iterdir() if p.suffix in (".pub", ".verify")]
        for service in SERVICES:
            folder = Path(out) / service
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(0o700)
            own = [p for p in self.path.iterdir() if p.name.startswith(f"{service}.")
                   and p.suffix in (".key", ".sign")]
            if service == "intake":
                own.append(self.path / "blind-index.key")
            for path in [*own, *public]:
                shutil.copy2(path, folder / path.name)
            made[service] = sorted(p.name for p in [*own, *public])
        return made

    def _new_box_pair(self, service: str) -> PrivateKey:
        key = PrivateKey.generate()
        self._write_secret(self.path / f"{service}.key", bytes(key))
        (self.path / f"{service}.pub").write_text(_b64(bytes(key.public_key)))
        return key

    def _new_signing_pair(self, service: str) -> SigningKey:
        key = SigningKey.generate()
        self._write_secret(self.path / f"{service}.sign", bytes(key))
        (self.path / f"{service}.verify").write_text(_b64(bytes(key.verify_key)))
        return key

    @staticmethod
    def _write_secret(path: Path, secret: bytes) -> None:
        path.touch(mode=0o600)
        path.chmod(0o600)
        path.write_text(_b64(secret))

    def _key(self, name: str, kind: type):
        """The key in file ``name``, as ``kind``; parsed again only once the file changed."""
        path = os.path.join(self.path, name)
        try:
            identity = _identity(path)
        except FileNotFoundError:
            identity = None  # _read says what is missing
        cached = _PARSED.get((path, kind))
        if identity is not None and cached is not None and cached[0] == identity:
            return cached[1]
        key = kind(base64.b64decode(self._read(name)))
        if identity is not None:
            _remember(_PARSED, (path, kind), (identity, key))
        return key

    def _old(self, service: str, suffix: str) -> list[str]:
        """The names of ``service``'s previous keys of one kind (``<service>.<id>.old.<suffix>``),
        listed again only once the folder changed."""
        folder, pattern = str(self.path), f"{service}.*.old.{suffix}"
        try:
            identity = _identity(folder)
        except FileNotFoundError:
            return []
        cached = _LISTED.get((folder, pattern))
        if identity is not None and cached is not None and cached[0] == identity:
            return cached[1]
        names = sorted(p.name for p in self.path.glob(pattern))
        if identity is not None:
            _remember(_LISTED, (folder, pattern), (identity, names))
        return names

    def _read(self, name: str) -> str:
        try:
            return (self.path / name).read_text().strip()
        except FileNotFoundError:
            raise FileNotFoundError(
                f"key file {self.path / name} is missing: run `make setup` (or "
                f"`python -m vod_shared.sealing init {self.path}`)") from None


def _identity(path: str) -> tuple | None:
    """What tells a file (or folder) from its next version; None if it changed too recently
    to tell."""
    stat = os.stat(path)
    if time.time() - stat.st_mtime < _SETTLED_S:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def _remember(cache: dict, key, value) -> None:
    if len(cache) >= _CACHED_MAX:  # many key folders (tests): start again, never grow
        cache.clear()
    cache[key] = value


_USAGE = """usage: python -m vod_shared.sealing COMMAND KEYS_DIR [SERVICE] [KEY_ID]
  init KEYS_DIR               create the keys that are missing
  list KEYS_DIR               each service's current and previous key ids
  rotate KEYS_DIR SERVICE     new keys for SERVICE; the previous ones stay until retired
  retire KEYS_DIR SERVICE ID  delete SERVICE's previous private keys ID (after the re-wrap)
  split KEYS_DIR OUT_DIR      OUT_DIR/<service>/: only that service's private keys, all public
                              halves (intake: and the blind-index key): one folder per host"""


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        raise SystemExit(_USAGE)
    command, directory = argv[0], KeyDirectory(Path(argv[1]))
    if command == "init" and len(argv) == 2:
        made = directory.init()
        print(f"keys in {argv[1]}: created for {', '.join(made) or 'none (all present)'}")
    elif command == "list" and len(argv) == 2:
        for service in SERVICES:
            try:
                keys = directory.private_keys(service)
            except FileNotFoundError:
                print(f"{service}: no private key here")
                continue
            current = fingerprint(directory.public_key(service))
            older = [key_id for key_id in keys if key_id != current]
            print(f"{service}: current {current}; previous {', '.join(older) or 'none'}")
    elif command == "rotate" and len(argv) == 3:
        old, new = directory.rotate(argv[2])
        print(f"{argv[2]}: new key {new}; previous key {old} kept until retired. Next: restart "
              f"{argv[2]}, run its re-wrap, then `retire {argv[1]} {argv[2]} {old}`.")
    elif command == "split" and len(argv) == 3:
        for service, files in directory.split(Path(argv[2])).items():
            private = [name for name in files if name.endswith((".key", ".sign"))]
            print(f"{argv[2]}/{service}: {', '.join(private)} and the public keys")
    elif command == "retire" and len(argv) == 4:
        gone = directory.retire(argv[2], argv[3])
        print(f"{argv[2]}: deleted {', '.join(gone) or 'nothing (no such previous key)'}")
    else:
        raise SystemExit(_USAGE)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
