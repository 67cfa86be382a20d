"""Preparation (and follow-up) meetings: a facilitator with one party at a time, as many as
that party needs. In person, by phone or by video; each with a time, a place and, once held,
a short outcome."""
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from vod_shared.events import MeetingMode, Party

from scheduling.domain.errors import InvalidSchedule, NotNow
from scheduling.domain.intervals import Interval

OUTCOME_MAX_CHARS = 280


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


@dataclass
class Meeting:
    meeting_id: str
    party: Party
    mode: MeetingMode
    when: Interval
    facilitator_ids: tuple[str, ...]
    place: str | None = None  # a room, "by phone", a video link's name: staff eyes only
    follow_up: bool = False
    status: MeetingStatus = MeetingStatus.SCHEDULED
    outcome: str | None = None
    sequence: int = 0
    cancel_reason: str | None = None

    def __post_init__(self) -> None:
        if self.mode is MeetingMode.IN_PERSON and not self.place:
            raise InvalidSchedule("place", "an in-person meeting needs a place")
        if not self.facilitator_ids:
            raise InvalidSchedule("facilitator_ids", "a meeting needs a facilitator")

    def is_upcoming(self, now: datetime) -> bool:
        return self.status is MeetingStatus.SCHEDULED and self.when.start > now

    def move(self, when: Interval, place: str | None) -> None:
        self._must_be_scheduled()
        self.when = when
        self.place = place or self.place
        self.sequence += 1

    def cancel(self, reason: str) -> None:
        self._must_be_scheduled()
        self.status, self.cancel_reason = MeetingStatus.CANCELLED, reason

    def held(self, outcome: str, now: datetime) -> None:
        self._must_be_scheduled()
        if self.when.start > now:
            raise NotNow("A meeting can be recorded as held only once it has begun.")
        outcome = outcome.strip()
        if not outcome or len(outcome) > OUTCOME_MAX_CHARS:
            raise InvalidSchedule("outcome",
                                  f"a short outcome, 1 to {OUTCOME_MAX_CHARS} characters")
        self.status, self.outcome = MeetingStatus.HELD, outcome

    def _must_be_scheduled(self) -> None:
        if self.status is not MeetingStatus.SCHEDULED:
            raise NotNow(f"This meeting is already {self.status.value}.")
