"""Personal data at rest and in transit, as intake seals it (see ``vod_shared.person_keys``).

What intake publishes or keeps of a person (or of a case, for what its requester wrote) is
sealed under that subject's own data key, for one purpose (who may read it), and signed by
intake; the key itself is kept sealed under intake's own key. A request from the public page
that waits for its contact to be proven has no person yet: it is sealed under intake's own key
alone, and deleted within 48 hours. What intake opens is what it sealed itself: a value sealed
by anyone else is refused. Each value is sealed ``about`` the id it is kept or sent under and
opens only for that id.

Repeated requests are recognised by a keyed hash of the email or phone (a blind index) that
stays in intake's own store: never in an event, never in a log. Its secret is a key of its own
(``blind-index.key``), so intake's encryption keys can rotate without it.
"""
import base64
import hashlib
import unicodedata

from vod_shared.events import SealedDetails, SubjectKeyGranted
from vod_shared.person_keys import (
    PURPOSES,
    SubjectKey,
    check_sealer,
    grant,
    open_under,
    seal_under,
)
from vod_shared.sealing import KeyDirectory

from intake.domain.door import EMAIL, PHONE, Contact

SERVICE = "intake"


class Vault:
    def __init__(self, keys: KeyDirectory) -> None:
        self.keyring = keys.keyring(SERVICE)
        self._lookup_key = _lookup_key(keys.blind_index_key())

    # A subject's data key, kept sealed for intake alone (about its key id).

    def new_key(self, subject: str) -> tuple[SubjectKey, SealedDetails]:
        key = SubjectKey.new(subject)
        return key, self.keyring.seal({"secret": base64.b64encode(key.secret).decode()},
                                      (SERVICE,), about=key.key_id)

    def key_from(self, key_id: str, subject: str, sealed_secret: str) -> SubjectKey:
        opened = self.keyring.unseal(SealedDetails.model_validate_json(sealed_secret),
                                     senders=(SERVICE,), about=key_id)
        return SubjectKey(key_id=key_id, subject=subject,
                          secret=base64.b64decode(opened["secret"]))

    def grant(self, key: SubjectKey, reader: str) -> SubjectKeyGranted:
        return grant(key, reader, keyring=self.keyring)

    # Values under a subject's key.

    def seal(self, details: dict, key: SubjectKey, purpose: str) -> SealedDetails:
        return seal_under(details, key, purpose, keyring=self.keyring)

    def open(self, sealed: SealedDetails, key: SubjectKey, *, about: str) -> dict:
        check_sealer(sealed, keyring=self.keyring, senders=(SERVICE,), about=about)
        return open_under(sealed, {purpose: key.purpose_key(purpose) for purpose in
                                   _purposes_of(sealed)}, subject=key.subject, about=about)

    # Values under intake's own key: a request waiting for its contact to be proven, and what
    # was stored before subjects had keys of their own.

    def seal_own(self, details: dict, *, about: str) -> SealedDetails:
        return self.keyring.seal(details, (SERVICE,), about=about)

    def open_own(self, sealed: SealedDetails, *, about: str) -> dict:
        return self.keyring.unseal(sealed, senders=(SERVICE,), about=about)

    # The blind index.

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
        return _hash(kind, value, self._lookup_key)

    def lookups_before_blind_index_key(self, kind: str, value: str) -> list[str]:
        """The hashes this contact had when they were keyed by intake's private key (any it
        still holds), for ``python -m intake.keys reindex``."""
        return [_hash(kind, value, _lookup_key(bytes(private)))
                for private in self.keyring.private_keys().values()]


def _lookup_key(secret: bytes) -> bytes:
    return hashlib.blake2b(b"intake-lookup", key=secret).digest()


def _hash(kind: str, value: str, key: bytes) -> str:
    if kind == EMAIL:
        value = unicodedata.normalize("NFC", value).strip().lower()
    return hashlib.blake2b(f"{kind}:{value}".encode(), key=key, digest_size=32).hexdigest()


def _purposes_of(sealed: SealedDetails) -> tuple[str, ...]:
    """Intake, the key's maker, holds every purpose key; only the value's own is derived."""
    return (sealed.purpose,) if sealed.purpose in PURPOSES else ()
