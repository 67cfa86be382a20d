"""What every handler needs besides its unit of work: where events go, the time, and the way
to open what intake sealed for scheduling."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from vod_shared.events import RequestReceived, SealedDetails
from vod_shared.topics import Topics


@dataclass(frozen=True)
class Context:
    topics: Topics
    clock: Callable[[], datetime]
    open_sealed: Callable[[SealedDetails], dict] = lambda sealed: {}

    def travel_offered(self, request: RequestReceived) -> bool:
        """Whether the victim lives outside California (sealed by intake for scheduling)."""
        return bool(request.logistics and
                    self.open_sealed(request.logistics).get("offer_travel_accommodation"))

    @property
    def topic(self) -> str:
        return self.topics.scheduling
