"""Opening a person's sealed details, only at the moment of sending (or of matching a reply);
checking who sealed them when they arrive.

A person's details are a value intake sealed under her own data key (``CONTACT``: the purpose
notifications is given); this service holds a copy of that key in its key book
(``vod_shared.keybook``, fed from ``vod.keys``) and loses it when she is erased, after which her
details never open again here. They are stored as received, never sealed again under a key of
ours, which would outlive hers. ``check`` needs no key: a value not signed by intake about her
(forged, or his real value replayed as hers), or not for this service's purpose, is refused on
arrival (``vod_shared.sealing.CannotUnseal``).

What this service seals for itself (the text of a reply) is sealed and opened with its own
keyring (``seal_for_us``/``open_own``): current and previous keys, so it still opens after a
rotation, until the re-wrap (``python -m notifications.rewrap``) and the retirement.

Key files are read from ``VOD_KEYS_DIR`` on use; a missing one is an operator's error and is
raised as such, never mistaken for a bad contact.
"""
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.events import SealedDetails
from vod_shared.keybook import KeyBook
from vod_shared.person_keys import CONTACT
from vod_shared.sealing import NOT_SEALED_FOR_US, CannotUnseal, KeyDirectory

SERVICE = "notifications"


class ContactKeys:
    def __init__(self, keys_dir: Path) -> None:
        self.keyring = KeyDirectory(keys_dir).keyring(SERVICE)
        self.book = KeyBook(self.keyring)

    def check(self, sealed: SealedDetails, *, about: str) -> None:
        """That ``sealed`` is a person's contact details as intake sealed them about ``about``
        (the signature and the purpose only: the key may not have arrived yet); raises
        CannotUnseal otherwise."""
        self.book.check(sealed, about=about)
        if sealed.purpose != CONTACT:
            raise CannotUnseal(NOT_SEALED_FOR_US, f"sealed for {str(sealed.purpose)[:40]}, "
                                                  f"not {CONTACT}")

    async def open(self, session: AsyncSession, sealed: SealedDetails, *, about: str,
                   held: Mapping | None = None) -> dict:
        """A person's details, with her key from the key book (or ``held``, what
        ``book.held()`` read beforehand); raises CannotUnseal (reason ``erased`` once she was
        erased; ``KeyNotHereYet`` while her key is on its way)."""
        if sealed.purpose != CONTACT:  # refused as ``check`` refuses it (its sealer first)
            self.check(sealed, about=about)
        # the key book checks the sealer before anything else (once: a signature costs)
        return await self.book.open(session, sealed, about=about, held=held)

    def seal_for_us(self, details: dict, *, about: str) -> SealedDetails:
        """Seals what only this service may read back (the text of a reply, say), about the
        id it is kept under, with this service's current key."""
        return self.keyring.seal(details, (SERVICE,), about=about)

    def open_own(self, sealed: SealedDetails, *, about: str) -> dict:
        """What this service sealed for itself (``seal_for_us``) about ``about``, and nothing
        else."""
        return self.keyring.unseal(sealed, senders=(SERVICE,), about=about)
