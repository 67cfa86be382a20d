"""A case as scheduling sees it, from the request to its close.

Screening decides eligibility and suitability; then facilitators are assigned (or the case
waits for one), prepare each party separately, and schedule the joint dialogue once both are
ready; afterwards they follow up. The victim can put the case on hold or withdraw at any step,
and a facilitator, the offender or the program director can hold or end it with a reason.
The offender's custody moves the dialogue with it, or ends the case.

The case records the events it causes (``events``) and what staff must be told (``alerts``);
the service layer saves both with the case.
"""
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from vod_shared.events import (
    CLOSED_NOT_SUITABLE,
    CLOSED_OFFENDER_DECLINED,
    ActedBy,
    CaseClosed,
    EligibilityOutcome,
    EventData,
    FacilitatorAssigned,
    Language,
    Party,
)

from scheduling.domain.afterwards import Afterwards
from scheduling.domain.availability import Availability
from scheduling.domain.clearances import Clearance
from scheduling.domain.custody import CustodyMoves
from scheduling.domain.dialogue import Dialogue
from scheduling.domain.booking import Commitment, ensure_bookable
from scheduling.domain.errors import DoubleBooked, InvalidSchedule, NotNow, Unavailable
from scheduling.domain.meetings import Meeting
from scheduling.domain.holds import Hold, Holds
from scheduling.domain.preparation import Preparation
from scheduling.domain.session import DialogueSession, TravelTask
from scheduling.domain.stages import BEFORE_ASSIGNMENT, ENDED, Stage
from scheduling.domain.surveys import Survey, surveys_at_enrollment


# What a meeting's or a dialogue's free text reads once the requester was erased
ERASED = "(erased)"


@dataclass(frozen=True)
class Assignment:
    facilitator_ids: tuple[str, ...]
    at: datetime
    reason: str


@dataclass(frozen=True)
class Alert:
    """Something staff must know and act on (a cancelled dialogue, a clearance that lapsed)."""

    alert_id: str
    case_id: str
    kind: str
    detail: str
    at: datetime


@dataclass(eq=False)
class Case(Holds, Preparation, Dialogue, Afterwards, CustodyMoves):
    case_id: str
    cdcr_number: str
    opened_at: datetime
    stage: Stage = Stage.AWAITING_SCREENING
    # The reference the case is known by everywhere (VOD-2026-000001); None until the request
    # is read here (screening's answer can come first).
    reference: str | None = None
    victim_id: str | None = None
    language: Language = Language.EN
    travel_offered: bool = False
    # The requester was erased (PersonErased): what scheduling drew from intake's sealed values
    # about them (whether travel is offered) is gone; the case's history stays.
    details_erased: bool = False
    facility_code: str | None = None
    on_parole: bool = False
    custody_as_of: datetime | None = None
    facilitator_ids: tuple[str, ...] = ()
    assignments: list[Assignment] = field(default_factory=list)
    waiting_since: datetime | None = None
    ready: dict[Party, datetime] = field(default_factory=dict)
    holds: dict[str, Hold] = field(default_factory=dict)
    meetings: list[Meeting] = field(default_factory=list)
    sessions: list[DialogueSession] = field(default_factory=list)
    clearances: list[Clearance] = field(default_factory=list)
    support_person_ids: list[str] = field(default_factory=list)
    # Removed at the victim's word: never a visitor of this case again
    support_persons_removed: list[str] = field(default_factory=list)
    victim_hours: Availability | None = None
    travel: TravelTask | None = None
    surveys: list[Survey] = field(default_factory=list)
    end_reason: str | None = None
    ended_at: datetime | None = None
    updated_at: datetime | None = None
    events: list[EventData] = field(default_factory=list, repr=False)
    alerts: list[Alert] = field(default_factory=list, repr=False)

    # -- what state it is in --------------------------------------------------------------

    @property
    def is_ended(self) -> bool:
        return self.stage in ENDED

    @property
    def is_paused(self) -> bool:
        return bool(self.holds)

    @property
    def is_waiting_for_facilitator(self) -> bool:
        return self.stage is Stage.WAITING_FOR_FACILITATOR

    def _require_active(self) -> None:
        if self.is_ended:
            raise NotNow(f"This case has ended ({self.stage.value.replace('_', ' ')}).")
        if self.is_paused:
            raise NotNow("This case is on hold; nothing can be scheduled until it resumes.")

    def _record(self, event: EventData, now: datetime) -> None:
        self.events.append(event)
        self.updated_at = now

    def _alert(self, kind: str, detail: str, now: datetime) -> None:
        self.alerts.append(Alert(str(uuid.uuid4()), self.case_id, kind, detail, now))
        self.updated_at = now

    # -- opening and screening -----------------------------------------------------------

    @classmethod
    def open(cls, case_id: str, cdcr_number: str, now: datetime) -> "Case":
        return cls(case_id, cdcr_number, opened_at=now, updated_at=now)

    def request_received(self, *, victim_id: str, language: Language, travel_offered: bool,
                         now: datetime, reference: str | None = None) -> None:
        self.victim_id, self.language = victim_id, language
        self.reference = reference or self.reference
        self.travel_offered = travel_offered and not self.details_erased
        self.updated_at = now

    def erase_requester_details(self, now: datetime) -> bool:
        """The requester was erased: forget what intake's sealed values about this case told
        (travel offered, i.e. lives out of state), and what staff wrote in free text about her
        own meetings (a place may be her home, an outcome may say where she moved): their
        places and outcomes read ``ERASED``. The offender's meetings (a room in the prison) and
        the dialogue's venue (a community room, the same for every linked case) stay, as do
        stages, dates and modes. Returns whether anything changed (a second erasure changes
        nothing)."""
        if self.details_erased:
            return False
        self.travel_offered, self.details_erased = False, True
        for meeting in self.meetings:
            if meeting.party is Party.VICTIM:
                meeting.place = ERASED if meeting.place else None
                meeting.outcome = ERASED if meeting.outcome else None
        self.updated_at = now
        return True

    def eligibility_decided(self, outcome: EligibilityOutcome, *, reason: str, ends_case: bool,
                            facility_code: str | None, on_parole: bool,
                            now: datetime) -> None:
        """Screening's answer about the offender's custody; it may come again after a change."""
        self._learn_custody(facility_code, on_parole)
        if self.is_ended:
            return
        if ends_case:
            self._end(Stage.NOT_ELIGIBLE, reason, now)
            return
        if outcome is EligibilityOutcome.INELIGIBLE:  # an escapee: the case waits for the return
            self.hold_for_custody(reason, now)
            return
        self.lift_custody_hold(now)
        if outcome is EligibilityOutcome.ELIGIBLE and self.stage in BEFORE_ASSIGNMENT:
            self.stage = Stage.AWAITING_SUITABILITY
        elif outcome is EligibilityOutcome.NEEDS_REVIEW and self.stage is Stage.AWAITING_SCREENING:
            self.stage = Stage.NEEDS_REVIEW
        self.updated_at = now

    def screening_completed(self, *, approved: bool, now: datetime,
                            offender_declined: bool = False) -> None:
        """Suitability decided: approved cases join the wait list for facilitators; a case not
        approved ends, and CaseClosed tells every service (the victim is told in careful words,
        and a later request of hers opens a new case). Its reason is a code: whether the
        offender declined (``by: offender``) or another finding stood against the dialogue."""
        if self.is_ended or self.stage not in BEFORE_ASSIGNMENT:
            return
        if not approved:
            reason = CLOSED_OFFENDER_DECLINED if offender_declined else CLOSED_NOT_SUITABLE
            self._end(Stage.NOT_SUITABLE, reason, now)
            self._record(CaseClosed(case_id=self.case_id, reason=reason, at=now,
                                    by=ActedBy.OFFENDER if offender_declined else None), now)
            return
        self.stage, self.waiting_since = Stage.WAITING_FOR_FACILITATOR, now
        self.surveys.extend(surveys_at_enrollment(now))
        self.updated_at = now

    # -- facilitators --------------------------------------------------------------------

    def assign(self, facilitator_ids: tuple[str, ...], *, now: datetime,
               reason: str = "first_assignment",
               staff_accounts: Mapping[str, str | None] | None = None,
               hours: Mapping[str, Availability] | None = None,
               commitments: Iterable[Commitment] = ()) -> None:
        """The first assignment takes the case off the wait list; a later one keeps the history.
        ``staff_accounts`` maps a facilitator to the staff account that acts as them; the event
        carries it so the other services show each facilitator their own cases."""
        if self.is_ended:
            raise NotNow("This case has ended.")
        if not 1 <= len(facilitator_ids) <= 2 or len(set(facilitator_ids)) != len(facilitator_ids):
            raise InvalidSchedule("facilitator_ids", "one or two different facilitators")
        if not self.facilitator_ids and not self.is_waiting_for_facilitator:
            raise NotNow("Facilitators are assigned once screening has approved the case.")
        previous = self.facilitator_ids
        if tuple(facilitator_ids) == previous:
            return
        self.facilitator_ids = tuple(facilitator_ids)
        self.assignments.append(Assignment(self.facilitator_ids, now, reason))
        self._hand_over_upcoming(now, hours=hours, commitments=list(commitments))
        if self.is_waiting_for_facilitator:
            self.stage, self.waiting_since = Stage.PREPARATION, None
        self._record(FacilitatorAssigned(
            case_id=self.case_id, facilitator_ids=list(self.facilitator_ids), at=now,
            previous_facilitator_ids=list(previous), reason=reason if previous else None,
            staff_accounts={f: account for f, account in (staff_accounts or {}).items()
                            if account and f in self.facilitator_ids}), now)
        self.request_clearance(reason="facilitators_assigned", now=now)

    def _hand_over_upcoming(self, now: datetime, *, hours: Mapping[str, Availability] | None,
                            commitments: list[Commitment]) -> None:
        """A facilitator taken off the case takes no part in its meetings and dialogue still to
        come (nor sees them on their calendar): each keeps those of its facilitators still on
        the case, or goes to the case's facilitators now if none is. Taken over at a time the
        new facilitators are not free (their hours, ``hours``; their other cases,
        ``commitments``), it stays booked and staff are alerted to move it: a facilitator
        taken off for cause is taken off at once."""
        for planned in (*self.meetings, *self.sessions):
            if not planned.is_upcoming(now):
                continue
            staying = tuple(f for f in planned.facilitator_ids if f in self.facilitator_ids)
            if staying:
                planned.facilitator_ids = staying
                continue
            planned.facilitator_ids = self.facilitator_ids
            if hours is None:
                continue
            what, ref = (("meeting", planned.meeting_id) if isinstance(planned, Meeting)
                         else ("dialogue", planned.session_id))
            try:  # against their other cases and this case's own, those handed over included
                ensure_bookable(planned.when, planned.facilitator_ids, hours=hours,
                                commitments=[*commitments, *self.commitments()], moving=ref)
            except (DoubleBooked, Unavailable) as clash:
                self._alert("facilitator_not_free",
                            f"The {what} on {planned.when.start:%Y-%m-%d %H:%M} UTC went to the "
                            f"case's new facilitators: {clash} Move it, or choose others.", now)
