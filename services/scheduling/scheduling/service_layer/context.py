"""What every handler needs besides its unit of work: where events go, and the time."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from vod_shared.topics import Topics


@dataclass(frozen=True)
class Context:
    topics: Topics
    clock: Callable[[], datetime]

    @property
    def topic(self) -> str:
        return self.topics.scheduling
