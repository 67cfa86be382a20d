"""Opening what intake sealed for screening, only to show a signed-in staff member: a person's
name, and whether the victim lives outside California (so is offered travel accommodation).

Intake seals each under the data key of what it is about (a name: the person's; logistics: the
case's) and gives screening its copy of that key on ``vod.keys``, kept in the key book
(``vod_shared.keybook``). ``check`` needs no key: a value intake did not sign, about another id,
or for a purpose screening is not given, is refused when it arrives and never stored. Once a
subject is erased its key is gone here, and what was sealed under it never opens again: the
page says the details were erased. Nothing opened is stored, logged or put in an event."""
from pathlib import Path

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.events import SealedDetails
from vod_shared.keybook import KeyBook
from vod_shared.person_keys import LOGISTICS, NAME
from vod_shared.sealing import ERASED, NOT_SEALED_FOR_US, CannotUnseal, KeyDirectory

SERVICE = "screening"
log = structlog.get_logger("screening.names")


class NameReader:
    def __init__(self, keys_dir: Path) -> None:
        # screening's copies of the keys intake grants it, sealed under screening's own key
        self.keybook = KeyBook(KeyDirectory(keys_dir).keyring(SERVICE))

    def check(self, sealed: SealedDetails, purpose: str, *, about: str) -> None:
        """That ``sealed`` is what intake sealed about ``about`` for ``purpose`` (the signature
        and the purpose only: its key may not have arrived yet); raises CannotUnseal."""
        self.keybook.check(sealed, about=about)
        if sealed.purpose != purpose:
            raise CannotUnseal(NOT_SEALED_FOR_US, f"sealed for {str(sealed.purpose)[:40]}, "
                                                  f"not {purpose}")

    async def full_name(self, session: AsyncSession, sealed: SealedDetails | None, *,
                        about: str) -> str | None:
        """The person ``about``'s given and family names; None when erased, unknown or
        unreadable."""
        details = await self._open(session, sealed, NAME, about)
        if details is None:
            return None
        name = " ".join(part for part in (details.get("given_name"),
                                          details.get("family_name")) if part)
        return name or None

    async def travel_offered(self, session: AsyncSession, logistics: SealedDetails | None, *,
                             about: str) -> bool | None:
        """Whether the victim of the case ``about`` is offered travel accommodation (lives
        outside California); None when not known: no logistics came, they were erased, or
        cannot be opened."""
        details = await self._open(session, logistics, LOGISTICS, about)
        if details is None or "offer_travel_accommodation" not in details:
            return None
        return bool(details["offer_travel_accommodation"])

    async def erased(self, session: AsyncSession, *subjects: str) -> bool:
        """Whether any of ``subjects`` (a person, a case) was erased: their keys are gone."""
        for subject in subjects:
            if await self.keybook.is_erased(session, subject):
                return True
        return False

    async def _open(self, session: AsyncSession, sealed: SealedDetails | None, purpose: str,
                    about: str) -> dict | None:
        if sealed is None:
            return None
        try:
            self.check(sealed, purpose, about=about)
            return await self.keybook.open(session, sealed, about=about)
        except CannotUnseal as exc:  # a reason, never the value
            if exc.reason == ERASED:
                log.info("sealed.erased", purpose=purpose)
            else:
                log.warning("sealed.cannot_unseal", reason=exc.reason, purpose=purpose)
            return None
        except FileNotFoundError:  # a key file missing: the operator's to fix, said in the log
            log.error("sealed.key_file_missing", purpose=purpose)
            return None
