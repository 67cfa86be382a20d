"""What every handler needs besides its unit of work: where events go, the time, the key book
that opens what intake sealed for scheduling, and the way to seal staff's own words."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.consumer import Unprocessable
from vod_shared.events import RequestReceived, SealedDetails
from vod_shared.keybook import KeyBook, KeyNotHereYet
from vod_shared.person_keys import LOGISTICS
from vod_shared.sealing import ERASED, NOT_SEALED_FOR_US, CannotUnseal
from vod_shared.topics import Topics


@dataclass(frozen=True)
class Context:
    topics: Topics
    clock: Callable[[], datetime]
    # Scheduling's copies of the data keys intake grants it (vod.keys): what intake sealed
    # about a person or a case opens only with them, and never once they are erased
    keybook: KeyBook
    # (staff's own words, the case id) -> sealed for scheduling alone, about that case; and back
    seal_note: Callable[[str, str], SealedDetails] | None = None
    open_note: Callable[[SealedDetails, str], str] | None = None

    async def travel_offered(self, session: AsyncSession,
                             request: RequestReceived) -> bool | None:
        """Whether the victim lives outside California (sealed by intake under this case's
        key, for logistics); None when not known because the case's key was destroyed (its
        requester erased, and that read first). A value that is not intake's about this case
        (sealed by anyone else, altered, another case's, for another purpose) makes the
        request Unprocessable: it goes to the dead letters, not retried. A key not here yet
        (``KeyNotHereYet``) is waited for by the consumer."""
        if not request.logistics:
            return False
        sealed = request.logistics
        try:
            self.keybook.check(sealed, about=request.case_id)
            if sealed.purpose != LOGISTICS:
                raise CannotUnseal(NOT_SEALED_FOR_US, f"sealed for {str(sealed.purpose)[:40]}, "
                                                      f"not {LOGISTICS}")
            logistics = await self.keybook.open(session, sealed, about=request.case_id)
        except KeyNotHereYet:
            raise
        except CannotUnseal as refused:
            if refused.reason == ERASED:
                return None
            raise Unprocessable(f"logistics refused: {refused}") from None
        return bool(logistics.get("offer_travel_accommodation"))

    @property
    def topic(self) -> str:
        return self.topics.scheduling
