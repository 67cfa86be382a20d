"""What every handler needs besides its unit of work: where events go, the time, and the way
to open what intake sealed for scheduling."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from vod_shared.consumer import Unprocessable
from vod_shared.events import RequestReceived, SealedDetails
from vod_shared.sealing import CannotUnseal
from vod_shared.topics import Topics


@dataclass(frozen=True)
class Context:
    topics: Topics
    clock: Callable[[], datetime]
    # (sealed, the id it must be about) -> what intake sealed for scheduling about that id
    open_sealed: Callable[[SealedDetails, str], dict] = lambda sealed, about: {}
    # (staff's own words, the case id) -> sealed for scheduling alone, about that case; and back
    seal_note: Callable[[str, str], SealedDetails] | None = None
    open_note: Callable[[SealedDetails, str], str] | None = None

    def travel_offered(self, request: RequestReceived) -> bool:
        """Whether the victim lives outside California (sealed by intake for scheduling, about
        this case). A value that is not (sealed by anyone else, altered, or another case's)
        makes the request Unprocessable: it goes to the dead letters, not retried."""
        if not request.logistics:
            return False
        try:
            logistics = self.open_sealed(request.logistics, request.case_id)
        except CannotUnseal as refused:
            raise Unprocessable(f"logistics refused: {refused}") from None
        return bool(logistics.get("offer_travel_accommodation"))

    @property
    def topic(self) -> str:
        return self.topics.scheduling
