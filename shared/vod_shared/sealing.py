"""Sealing a person's details so that only the services allowed to read them can.

Each person's details are encrypted with a data key of their own (libsodium's SecretBox, through
PyNaCl). That key is sealed (libsodium's SealedBox) to the public key of each service allowed to
read it; only that service's private key opens it. Nothing else on a topic or in a log can.
Destroying every wrapped copy of a person's key erases the person (``PersonErased``).

Keys live as files in ``VOD_KEYS_DIR`` (default ``$VOD_DATA_DIR/keys``): ``<service>.key``
(private, mode 0600, only on that service's host in production) and ``<service>.pub``.
``python -m vod_shared.sealing init`` creates any that are missing.
"""
import base64
import json
import sys
from pathlib import Path

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.secret import SecretBox
from nacl.utils import random

from vod_shared.events.people import SealedDetails

SERVICES = ("intake", "screening", "scheduling", "notifications")


class CannotUnseal(LookupError):
    """This service holds no key for these details, or they were tampered with."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def seal(details: dict, readers: dict[str, PublicKey]) -> SealedDetails:
    data_key = random(SecretBox.KEY_SIZE)
    ciphertext = SecretBox(data_key).encrypt(json.dumps(details, ensure_ascii=False).encode())
    return SealedDetails(
        wrapped_keys={name: _b64(SealedBox(key).encrypt(data_key)) for name, key in readers.items()},
        ciphertext=_b64(ciphertext),
    )


def unseal(sealed: SealedDetails, service: str, private_key: PrivateKey) -> dict:
    wrapped = sealed.wrapped_keys.get(service)
    if wrapped is None:
        raise CannotUnseal(f"no data key sealed for {service}")
    try:
        data_key = SealedBox(private_key).decrypt(base64.b64decode(wrapped))
        return json.loads(SecretBox(data_key).decrypt(base64.b64decode(sealed.ciphertext)))
    except (CryptoError, ValueError) as exc:
        raise CannotUnseal(type(exc).__name__) from None


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
