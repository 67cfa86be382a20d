"""What a staff page or an API call shows: built from screening's own store and read model."""
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from vod_shared.events import Venue, VisitorRole

from screening.adapters.read_model import CaseVisitor, TimelineEntry
from screening.domain.clearances import Clearance
from screening.domain.duplicates import OtherCase, PossibleDuplicate, shared_words, waiting_words
from screening.domain.model import ScreeningCase
from screening.domain.stages import QueueEntry, Stage, Waiting, stage_of, waiting_on
from screening.domain.timeline import travel_note

REQUEST_RECEIVED = "vod.RequestReceived."
SESSION_SCHEDULED, SESSION_CANCELLED = "vod.SessionScheduled.", "vod.SessionCancelled."


@dataclass(frozen=True)
class DuplicateView:
    """A possible duplicate as one of its two cases shows it."""

    duplicate: PossibleDuplicate
    other: OtherCase
    decided_here: bool  # this case is the newer one, where the decision is made

    @property
    def shared(self) -> str:
        return shared_words(self.duplicate.overlaps)


@dataclass(frozen=True)
class CaseView:
    case: ScreeningCase
    stage: Stage
    requester_name: str | None
    # Whether the victim lives outside California, so is offered travel accommodation (opened
    # from what intake sealed for screening); None when not known.
    travel_offered: bool | None
    # The requester (or what they said about the case) was erased: what was sealed about them
    # no longer opens anywhere, and the page says so.
    details_erased: bool
    visitors: list[CaseVisitor]
    clearances: list[Clearance]
    timeline: list[TimelineEntry]
    waiting: list[Waiting]
    duplicates: list[DuplicateView] = field(default_factory=list)

    @property
    def open_duplicates(self) -> list[DuplicateView]:
        return [d for d in self.duplicates if d.duplicate.is_open]

    @property
    def facilitators(self) -> list[CaseVisitor]:
        return [v for v in self.visitors if v.role is VisitorRole.FACILITATOR]

    @property
    def assigned_accounts(self) -> set[str]:
        return {v.staff_account for v in self.facilitators if v.staff_account}


def case_view(case: ScreeningCase, *, requester_name: str | None, visitors: list[CaseVisitor],
              clearances: list[Clearance], timeline: list[TimelineEntry],
              today: date, travel_offered: bool | None = None, details_erased: bool = False,
              duplicates: list[DuplicateView] = ()) -> CaseView:
    facilitators = [v.visitor_id for v in visitors if v.role is VisitorRole.FACILITATOR]
    waiting = waiting_on(case, facilitators=facilitators, clearances=clearances,
                         visitors=[v.visitor_id for v in visitors], today=today,
                         by_video=_set_by_video(timeline))
    if case.is_open and not case.paused:
        waiting = [Waiting("Screening", waiting_words(d.other, d.duplicate.overlaps))
                   for d in duplicates if d.decided_here and d.duplicate.is_open] + waiting
    return CaseView(case, stage_of(case), requester_name, travel_offered, details_erased,
                    visitors, clearances, _with_travel(timeline, travel_offered), waiting,
                    list(duplicates))


def _set_by_video(timeline: list[TimelineEntry]) -> bool:
    """Whether the joint dialogue now set is by video: the last dialogue line decides (a
    cancelled dialogue is set no more)."""
    sessions = [line for line in timeline
                if line.event_type.startswith((SESSION_SCHEDULED, SESSION_CANCELLED))]
    last = max(sessions, key=lambda line: line.occurred_at, default=None)
    return (last is not None and last.event_type.startswith(SESSION_SCHEDULED)
            and last.code == Venue.VIDEO)


def _with_travel(timeline: list[TimelineEntry], travel_offered: bool | None) -> list[TimelineEntry]:
    """The request's line says whether travel is offered. The stored line never does: that is
    whereabouts, opened from its seal only for the page being shown."""
    note = travel_note(travel_offered)
    if not note:
        return timeline
    return [replace(entry, summary=entry.summary + note)
            if entry.event_type.startswith(REQUEST_RECEIVED) else entry for entry in timeline]


@dataclass(frozen=True)
class QueueFilters:
    stage: Stage | None = None
    facility: str | None = None
    search: str | None = None
    include_paused: bool = False
    limit: int = 100
    offset: int = 0
    possible_duplicate: bool = False  # only cases with a possible duplicate to decide


@dataclass(frozen=True)
class QueuePage:
    total: int
    entries: list[QueueEntry]
    facilities: list[str] = field(default_factory=list)


def queue_entry(case: ScreeningCase, duplicate_of: tuple[OtherCase, ...] = ()) -> QueueEntry:
    return QueueEntry(case.case_id, case.reference, case.cdcr_number, stage_of(case),
                      case.decided_at or case.opened_at,
                      case.eligibility.facility_code if case.eligibility else None, case.paused,
                      duplicate_of)


@dataclass(frozen=True)
class ExpiringClearance:
    clearance: Clearance
    reference: str | None

    def days_left(self, today: date) -> int:
        return (self.clearance.expires_on - today).days


@dataclass(frozen=True)
class Caller:
    """Who is asking, and from where: what the audit log records."""

    username: str | None
    address: str
    method: str
    path: str
    at: datetime | None = None
