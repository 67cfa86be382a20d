"""Personal data at rest and in transit: sealed with the person's own data key (see
``vod_shared.sealing``), readable only by the services named for it.

Repeated requests are recognised by a keyed hash of the email or phone (a blind index) that
stays in intake's own store: never in an event, never in a log.
"""
import hashlib
import unicodedata

from vod_shared.events import SealedDetails
from vod_shared.sealing import KeyDirectory, seal, unseal

from intake.domain.door import EMAIL, PHONE, Contact


class Vault:
    def __init__(self, keys: KeyDirectory, readers: tuple[str, ...]) -> None:
        self._private = keys.private_key("intake")
        self._public = keys.public_keys(readers)
        self._lookup_key = hashlib.blake2b(b"intake-lookup", key=bytes(self._private)).digest()

    def seal(self, details: dict, readers: tuple[str, ...]) -> SealedDetails:
        return seal(details, {name: self._public[name] for name in readers})

    def open(self, sealed: SealedDetails) -> dict:
        return unseal(sealed, "intake", self._private)

    def contacts(self, *, email: str | None, phone: str | None,
                 confirmed: frozenset[str] = frozenset()) -> list[Contact]:
        """The person's email and phone as keyed hashes, each marked proven or not."""
        found = []
        if email:
            found.append(Contact(EMAIL, self.key_for(EMAIL, email), EMAIL in confirmed))
        if phone:
            found.append(Contact(PHONE, self.key_for(PHONE, phone), PHONE in confirmed))
        return found

    def key_for(self, kind: str, value: str) -> str:
        """A keyed hash of one contact (also keys the door's limits); never leaves intake."""
        if kind == EMAIL:
            value = unicodedata.normalize("NFC", value).strip().lower()
        return self._hash(kind, value)

    def _hash(self, kind: str, value: str) -> str:
        return hashlib.blake2b(f"{kind}:{value}".encode(), key=self._lookup_key,
                               digest_size=32).hexdigest()
