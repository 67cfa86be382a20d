"""Opening what intake sealed for screening with screening's own key, only to show a signed-in
staff member: a person's name, and whether the victim lives outside California (so is offered
travel accommodation). Only what intake sealed is opened, and only for the id it was sealed
about (a name: the person's id; logistics: the case's): a value sealed by anyone else, or about
something else, is refused. Nothing opened is stored, logged or put in an event."""
from pathlib import Path

import structlog
from nacl.public import PrivateKey, PublicKey

from vod_shared.events import SealedDetails
from vod_shared.sealing import CannotUnseal, KeyDirectory, unseal

SERVICE = "screening"
SENDERS = ("intake",)  # the only service whose sealed values screening takes
log = structlog.get_logger("screening.names")


class NameReader:
    def __init__(self, keys_dir: Path) -> None:
        self._keys = KeyDirectory(keys_dir)
        self._key: PrivateKey | None = None
        self._senders: dict[str, PublicKey] | None = None

    def full_name(self, sealed: SealedDetails | None, *, about: str) -> str | None:
        """The person ``about``'s given and family names; None when erased, unknown or
        unreadable."""
        details = self._open(sealed, about)
        if details is None:
            return None
        name = " ".join(part for part in (details.get("given_name"),
                                          details.get("family_name")) if part)
        return name or None

    def travel_offered(self, logistics: SealedDetails | None, *, about: str) -> bool | None:
        """Whether the victim of the case ``about`` is offered travel accommodation (lives
        outside California); None when not known: no logistics came, they were forgotten, or
        cannot be opened."""
        details = self._open(logistics, about)
        if details is None or "offer_travel_accommodation" not in details:
            return None
        return bool(details["offer_travel_accommodation"])

    def _open(self, sealed: SealedDetails | None, about: str) -> dict | None:
        if sealed is None:
            return None
        try:
            return self.open(sealed, about=about)
        except (CannotUnseal, FileNotFoundError) as exc:
            log.warning("sealed.cannot_unseal", error=type(exc).__name__,
                        reason=getattr(exc, "reason", None))
            return None

    def open(self, sealed: SealedDetails, *, about: str) -> dict:
        """What intake sealed for screening about ``about``; raises CannotUnseal for anything
        else."""
        if self._key is None:  # read at first use: the service starts without a page to show
            self._senders = self._keys.public_keys(SENDERS)
            self._key = self._keys.private_key(SERVICE)
        return unseal(sealed, SERVICE, self._key, senders=self._senders, about=about)
