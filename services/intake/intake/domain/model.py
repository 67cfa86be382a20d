"""A dialogue case and a custody-notice registration, as intake holds them."""
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from vod_shared.events import (
    WITHDRAWAL_PENDING,
    WITHDRAWAL_UNDONE,
    ActedBy,
    CasePaused,
    CaseResumed,
    CaseWithdrawn,
    Channel,
    CustodyNoticeKind,
    DuplicateOverlap,
    EventData,
    Language,
    PossibleDuplicateFound,
    RegistrationCancelled,
    RegistrationChanged,
    RegistrationReceived,
    Relationship,
    RequestReceived,
    RequestRepeated,
    RequestSource,
    SealedDetails,
)

from intake.domain.door import WITHDRAWAL_UNDO
from intake.domain.errors import CaseStepRefused


class CaseStatus(StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


class Hold(StrEnum):
    """Who is holding the case: the victim's own pause is theirs to lift, the program's
    (a facilitator, the offender, the director, through scheduling) is the program's."""

    VICTIM = "victim"
    PROGRAM = "program"
    # She withdrew from her own page: everything is stopped, and it becomes final at
    # ``Case.withdrawal_final_at`` unless she (or staff, at her request) undoes it first.
    WITHDRAWAL = "withdrawal"


@dataclass
class Case:
    case_id: str
    reference: str
    requester_id: str
    cdcr_number: str
    status: CaseStatus
    opened_at: datetime
    holds: set[Hold] = field(default_factory=set)
    version: int = 0  # the store's count of changes, so two changes at once cannot both win
    relationship: Relationship | None = None
    withdrawal_final_at: datetime | None = None
    closed_at: datetime | None = None  # when screening or scheduling ended it
    events: list[EventData] = field(default_factory=list, repr=False)

    @classmethod
    def open(cls, *, case_id: str, reference: str, requester_id: str, relationship: Relationship,
             cdcr_number: str, language: Language, channel: Channel, source: RequestSource,
             logistics: SealedDetails, now: datetime) -> "Case":
        case = cls(case_id, reference, requester_id, cdcr_number, CaseStatus.OPEN, now,
                   relationship=relationship)
        case.events.append(RequestReceived(
            case_id=case_id, reference=reference, requester_id=requester_id,
            relationship=relationship, cdcr_number=cdcr_number, preferred_language=language,
            preferred_channel=channel, source=source, logistics=logistics, received_at=now,
        ))
        return case

    def asked_again(self, *, source: RequestSource, details: SealedDetails,
                    now: datetime) -> None:
        """The requester asked again about the same offender: the request joins this case,
        and is announced, so staff learn of it and the requester is acknowledged again."""
        if not self.is_open:
            raise CaseStepRefused(f"a request cannot join a case that is {self.status}")
        self.events.append(RequestRepeated(case_id=self.case_id, requester_id=self.requester_id,
                                           source=source, details=details, at=now))

    def may_duplicate(self, other: "Case", overlaps: list[DuplicateOverlap], *,
                      now: datetime) -> None:
        """This new case shares a contact with another open case about the same offender, but
        not one that proves the same requester: a person decides. Neither requester is told."""
        self.events.append(PossibleDuplicateFound(case_id=self.case_id, other_case_id=other.case_id,
                                                  overlaps=overlaps, at=now))

    @property
    def is_open(self) -> bool:
        return self.status in (CaseStatus.OPEN, CaseStatus.PAUSED)

    def pause(self, *, by: ActedBy, reason: str | None, now: datetime) -> None:
        """The victim may pause at any step; the case waits until they resume."""
        if not self.is_open or self.holds & {Hold.VICTIM, Hold.WITHDRAWAL}:
            raise CaseStepRefused(f"a case that is {self.status} cannot be paused")
        self._hold(Hold.VICTIM)
        self.events.append(CasePaused(case_id=self.case_id, by=by, reason=reason, at=now))

    def resume(self, *, by: ActedBy, reason: str | None, now: datetime) -> None:
        """Lifts the victim's own pause, and a withdrawal she has not yet made final (staff
        may do it for her); a hold the program put on stays until it lifts it."""
        if not self.holds & {Hold.VICTIM, Hold.WITHDRAWAL}:
            raise CaseStepRefused(f"a case that is {self.status} and not paused by the victim"
                                  " cannot be resumed by them")
        self.withdrawal_final_at = None
        self._release(Hold.VICTIM, Hold.WITHDRAWAL)
        self.events.append(CaseResumed(case_id=self.case_id, by=by, reason=reason, at=now))

    def withdraw(self, *, by: ActedBy, reason: str | None, now: datetime) -> None:
        """The victim may withdraw at any step, with no reason needed; then everything stops."""
        if not self.is_open:
            raise CaseStepRefused(f"a case that is {self.status} cannot be withdrawn")
        self.status, self.holds, self.withdrawal_final_at = CaseStatus.WITHDRAWN, set(), None
        self.events.append(CaseWithdrawn(case_id=self.case_id, by=by, reason=reason, at=now))

    @property
    def withdrawal_pending(self) -> bool:
        return Hold.WITHDRAWAL in self.holds

    def ask_to_withdraw(self, *, now: datetime) -> None:
        """A withdrawal from her own page: everything stops at once, and it becomes final after
        WITHDRAWAL_UNDO unless she undoes it first. Her own earlier pause, if any, is kept."""
        if not self.is_open or self.withdrawal_pending:
            raise CaseStepRefused(f"a case that is {self.status} cannot be withdrawn")
        self._hold(Hold.WITHDRAWAL)
        self.withdrawal_final_at = now + WITHDRAWAL_UNDO
        self.events.append(CasePaused(case_id=self.case_id, by=ActedBy.VICTIM,
                                      reason=WITHDRAWAL_PENDING, at=now))

    def undo_withdrawal(self, *, now: datetime) -> None:
        """Back to where the case was before: active, or still paused if she had paused it."""
        if not self.withdrawal_pending:
            raise CaseStepRefused("there is no withdrawal to undo")
        self.withdrawal_final_at = None
        self._release(Hold.WITHDRAWAL)
        step = CasePaused if Hold.VICTIM in self.holds else CaseResumed
        self.events.append(step(case_id=self.case_id, by=ActedBy.VICTIM,
                                reason=WITHDRAWAL_UNDONE, at=now))

    def finalise_withdrawal(self, *, now: datetime) -> bool:
        """A withdrawal not undone in time becomes final; True if it did now."""
        if not (self.withdrawal_pending and self.withdrawal_final_at
                and self.withdrawal_final_at <= now):
            return False
        self.withdraw(by=ActedBy.VICTIM, reason=None, now=now)
        return True

    def closed_elsewhere(self, *, at: datetime) -> None:
        """Screening found the offender ineligible for good, or scheduling closed the case."""
        if self.is_open:
            self.status, self.holds, self.withdrawal_final_at = CaseStatus.CLOSED, set(), None
            self.closed_at = at

    def paused_elsewhere(self) -> None:
        """A facilitator, the offender or the director paused the case (through scheduling)."""
        if self.is_open:
            self._hold(Hold.PROGRAM)

    def resumed_elsewhere(self) -> None:
        if self.is_open:
            self._release(Hold.PROGRAM)

    @property
    def held_by_program(self) -> bool:
        return Hold.PROGRAM in self.holds

    def _hold(self, hold: Hold) -> None:
        self.holds.add(hold)
        self.status = CaseStatus.PAUSED

    def _release(self, *holds: Hold) -> None:
        self.holds.difference_update(holds)
        self.status = CaseStatus.PAUSED if self.holds else CaseStatus.OPEN


@dataclass
class Registration:
    """A form-1707 request to be told of custody changes; it follows the offender, not a facility."""

    registration_id: str
    registrant_id: str
    relationship: Relationship
    cdcr_number: str
    notify_on: frozenset[CustodyNoticeKind]
    registered_at: datetime
    cancelled_at: datetime | None = None
    events: list[EventData] = field(default_factory=list, repr=False)

    @property
    def is_active(self) -> bool:
        return self.cancelled_at is None

    def change_notices(self, notify_on: frozenset[CustodyNoticeKind], *, now: datetime) -> None:
        """The registrant chose other kinds of custody change to hear of (the whole new set)."""
        if not self.is_active:
            raise CaseStepRefused("a cancelled registration cannot be changed")
        self.notify_on = notify_on
        self.events.append(RegistrationChanged(
            registration_id=self.registration_id, registrant_id=self.registrant_id,
            notify_on=sorted(notify_on), at=now))

    def cancel(self, *, now: datetime) -> None:
        """No more custody notices from this registration."""
        if not self.is_active:
            raise CaseStepRefused("this registration is already cancelled")
        self.cancelled_at = now
        self.events.append(RegistrationCancelled(
            registration_id=self.registration_id, registrant_id=self.registrant_id, at=now))

    @classmethod
    def register(cls, *, registration_id: str, registrant_id: str, relationship: Relationship,
                 cdcr_number: str, notify_on: frozenset[CustodyNoticeKind], language: Language,
                 channel: Channel, now: datetime) -> "Registration":
        registration = cls(registration_id, registrant_id, relationship, cdcr_number, notify_on, now)
        registration.events.append(RegistrationReceived(
            registration_id=registration_id, registrant_id=registrant_id,
            relationship=relationship, cdcr_number=cdcr_number,
            notify_on=sorted(notify_on), preferred_language=language,
            preferred_channel=channel, received_at=now,
        ))
        return registration


def format_reference(year: int, number: int) -> str:
    """The reference staff and victims read out on the phone: ``VOD-2026-000123``."""
    return f"VOD-{year}-{number:06d}"
