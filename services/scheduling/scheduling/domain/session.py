"""The joint dialogue, and the travel an out-of-state victim needs arranged before it."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from vod_shared.events import Venue

from scheduling.domain.availability import zone
from scheduling.domain.errors import NotNow
from scheduling.domain.intervals import Interval

# Staff are told if a victim's travel is still not arranged this close to the dialogue.
TRAVEL_WARNING_AHEAD = timedelta(days=14)


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


@dataclass
class DialogueSession:
    session_id: str
    when: Interval
    venue: Venue
    time_zone: str  # the venue's; invitations show each reader their own
    facilitator_ids: tuple[str, ...]
    facility_code: str | None = None
    place: str | None = None  # a community room; staff eyes only
    status: SessionStatus = SessionStatus.SCHEDULED
    sequence: int = 0
    cancel_reason: str | None = None
    held_at: datetime | None = None

    @property
    def local_start(self) -> datetime:
        return self.when.start.astimezone(zone(self.time_zone))

    @property
    def local_end(self) -> datetime:
        return self.when.end.astimezone(zone(self.time_zone))

    def is_upcoming(self, now: datetime) -> bool:
        return self.status is SessionStatus.SCHEDULED and self.when.start > now

    def move(self, when: Interval) -> None:
        self._must_be_scheduled()
        self.when = when
        self.sequence += 1

    def move_venue(self, venue: Venue, *, time_zone: str, facility_code: str | None,
                   place: str | None) -> None:
        self._must_be_scheduled()
        self.venue, self.time_zone = venue, time_zone
        self.facility_code, self.place = facility_code, place
        self.sequence += 1

    def cancel(self, reason: str) -> None:
        self._must_be_scheduled()
        self.status, self.cancel_reason = SessionStatus.CANCELLED, reason
        self.sequence += 1

    def held(self, now: datetime) -> None:
        self._must_be_scheduled()
        if self.when.start > now:
            raise NotNow("The dialogue can be recorded as held only once it has begun.")
        self.status, self.held_at = SessionStatus.HELD, now

    def _must_be_scheduled(self) -> None:
        if self.status is not SessionStatus.SCHEDULED:
            raise NotNow(f"The dialogue is already {self.status.value}.")


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass
class TravelTask:
    """Travel and lodging for a victim who lives out of state, done before the dialogue."""

    session_id: str
    due_by: datetime
    status: TaskStatus = TaskStatus.OPEN
    done_at: datetime | None = None
    warned: bool = False

    @property
    def warn_at(self) -> datetime:
        return self.due_by - TRAVEL_WARNING_AHEAD

    @property
    def is_open(self) -> bool:
        return self.status is TaskStatus.OPEN

    def reopen_for(self, session_id: str, due_by: datetime) -> None:
        self.session_id, self.due_by = session_id, due_by
        self.status, self.done_at, self.warned = TaskStatus.OPEN, None, False

    def done(self, now: datetime) -> None:
        if self.status is not TaskStatus.OPEN:
            raise NotNow(f"The travel arrangement is already {self.status.value}.")
        self.status, self.done_at = TaskStatus.DONE, now
