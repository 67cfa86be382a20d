"""Opening a person's sealed details, only at the moment of sending (or of matching a reply,
or of checking who sealed them when they arrive).

A person's details are taken only as intake sealed them (``open``); what this service sealed
for itself, the text of a reply, is opened only as its own (``open_own``). A value sealed by
anyone else, whatever it claims, is refused (vod_shared.sealing.CannotUnseal). Each opens only
``about`` the id it was sealed about: a person's details about that person's id (a real value
of his, published as hers, is refused), a reply about its message's id.

The service's private key is read on first use from ``VOD_KEYS_DIR``; a missing key file is an
operator's error and is raised as such, never mistaken for a bad contact.
"""
from pathlib import Path

from nacl.public import PrivateKey, PublicKey

from vod_shared.events import SealedDetails
from vod_shared.sealing import KeyDirectory, seal, unseal

SERVICE = "notifications"
PEOPLE_SEALED_BY = "intake"  # the only service whose sealing of a person's details counts


class ContactKeys:
    def __init__(self, keys_dir: Path) -> None:
        self._keys = KeyDirectory(keys_dir)
        self._private: PrivateKey | None = None
        self._public: dict[str, PublicKey] = {}

    def open(self, sealed: SealedDetails, *, about: str) -> dict:
        """A person's details, as intake sealed them for this service about the person
        ``about``; raises vod_shared.sealing.CannotUnseal for anything else."""
        return self._unseal(sealed, PEOPLE_SEALED_BY, about)

    def open_own(self, sealed: SealedDetails, *, about: str) -> dict:
        """What this service sealed for itself (``seal_for_us``) about ``about``, and nothing
        else."""
        return self._unseal(sealed, SERVICE, about)

    def seal_for_us(self, details: dict, *, about: str) -> SealedDetails:
        """Seals what only this service may read back (the text of a reply, say), about the
        id it is kept under."""
        return seal(details, {SERVICE: self._public_key(SERVICE)}, sender=SERVICE,
                    sender_key=self._private_key(), about=about)

    def _unseal(self, sealed: SealedDetails, sender: str, about: str) -> dict:
        return unseal(sealed, SERVICE, self._private_key(),
                      senders={sender: self._public_key(sender)}, about=about)

    def _private_key(self) -> PrivateKey:
        if self._private is None:
            self._private = self._keys.private_key(SERVICE)
        return self._private

    def _public_key(self, service: str) -> PublicKey:
        if service not in self._public:
            self._public[service] = self._keys.public_key(service)
        return self._public[service]
