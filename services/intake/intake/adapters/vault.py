"""Personal data at rest and in transit: sealed by intake with the person's own data key (see
``vod_shared.sealing``), readable only by the services named for it. What intake opens is what
it sealed itself (its own store): a value sealed by anyone else is refused. Each value is
sealed ``about`` the id it is kept or sent under (a person's, a case's, a pending request's or
change's) and opens only for that id.

Repeated requests are recognised by a keyed hash of the email or phone (a blind index) that
stays in intake's own store: never in an event, never in a log.
"""
import hashlib
import unicodedata

from vod_shared.events import SealedDetails
from vod_shared.sealing import KeyDirectory, seal, unseal

from intake.domain.door import EMAIL, PHONE, Contact

SERVICE = "intake"


class Vault:
    def __init__(self, keys: KeyDirectory, readers: tuple[str, ...]) -> None:
        self._private = keys.private_key(SERVICE)
        self._public = keys.public_keys(readers)
        self._senders = {SERVICE: keys.public_key(SERVICE)}  # it opens only its own
        self._lookup_key = hashlib.blake2b(b"intake-lookup", key=bytes(self._private)).digest()

    def seal(self, details: dict, readers: tuple[str, ...], *, about: str) -> SealedDetails:
        return seal(details, {name: self._public[name] for name in readers}, sender=SERVICE,
                    sender_key=self._private, about=about)

    def open(self, sealed: SealedDetails, *, about: str) -> dict:
        return unseal(sealed, SERVICE, self._private, senders=self._senders, about=about)

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
