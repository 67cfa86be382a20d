"""Opening a person's sealed details, only at the moment of sending (or of matching a reply).

The service's private key is read on first use from ``VOD_KEYS_DIR``; a missing key file is an
operator's error and is raised as such, never mistaken for a bad contact.
"""
from pathlib import Path

from nacl.public import PrivateKey, PublicKey

from vod_shared.events import SealedDetails
from vod_shared.sealing import KeyDirectory, seal, unseal

SERVICE = "notifications"


class ContactKeys:
    def __init__(self, keys_dir: Path) -> None:
        self._keys = KeyDirectory(keys_dir)
        self._private: PrivateKey | None = None
        self._public: PublicKey | None = None

    def open(self, sealed: SealedDetails) -> dict:
        """The person's details; raises vod_shared.sealing.CannotUnseal if not for us."""
        if self._private is None:
            self._private = self._keys.private_key(SERVICE)
        return unseal(sealed, SERVICE, self._private)

    def seal_for_us(self, details: dict) -> SealedDetails:
        """Seals what only this service may read back (the text of a reply, say)."""
        if self._public is None:
            self._public = self._keys.public_key(SERVICE)
        return seal(details, {SERVICE: self._public})
