"""A case as screening sees it: whose case, whether it is still open (or paused), what was
decided about eligibility, and the suitability screening."""
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from vod_shared.events import (
    EligibilityDetermined,
    EligibilityOutcome,
    EventData,
    ScreeningCompleted,
    ScreeningOutcome,
)

from screening.domain.errors import NotNow
from screening.domain.review import by_hand
from screening.domain.rules import CustodyRecord, Eligibility, answer_changed, determine_eligibility
from screening.domain.suitability import Findings, Suitability, decide_suitability


class CaseStatus(StrEnum):
    OPEN = "open"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"
    INELIGIBLE = "ineligible"


@dataclass
class ScreeningCase:
    case_id: str
    cdcr_number: str
    opened_at: datetime
    eligibility: Eligibility | None = None
    decided_at: datetime | None = None
    status: CaseStatus = CaseStatus.OPEN
    ended_at: datetime | None = None
    reference: str | None = None
    requester_id: str | None = None
    paused: bool = False
    decided_by: str | None = None
    suitability: Suitability | None = None
    events: list[EventData] = field(default_factory=list, repr=False)

    @property
    def is_open(self) -> bool:
        return self.status is CaseStatus.OPEN

    @property
    def needs_review(self) -> bool:
        return self.eligibility is not None and \
            self.eligibility.outcome is EligibilityOutcome.NEEDS_REVIEW

    @property
    def is_eligible(self) -> bool:
        return self.eligibility is not None and \
            self.eligibility.outcome is EligibilityOutcome.ELIGIBLE

    def decide(self, eligibility: Eligibility, *, now: datetime, by: str = "system") -> None:
        self.eligibility, self.decided_at, self.decided_by = eligibility, now, by
        if eligibility.ends_the_case:
            self._end(CaseStatus.INELIGIBLE, now)
        self.events.append(EligibilityDetermined(
            case_id=self.case_id, outcome=eligibility.outcome, reason=eligibility.reason,
            cdcr_number=self.cdcr_number, facility_code=eligibility.facility_code,
            on_parole=eligibility.on_parole, decided_by=by, decided_at=now,
            ends_case=eligibility.ends_the_case,
        ))

    def reconsider(self, custody: CustodyRecord | None, *, now: datetime) -> bool:
        """The offender's custody changed: decide again if the case is open and the answer is
        no longer the one given. Returns whether it was decided again."""
        answer = determine_eligibility(custody)
        if not self.is_open or not answer_changed(self.eligibility, answer):
            return False
        self.decide(answer, now=now)
        return True

    def resolve_review(self, outcome: EligibilityOutcome, reason: str,
                       facility_code: str | None, *, by: str, now: datetime) -> None:
        """A screener answers what the registry could not."""
        self._check_can_decide()
        if not self.needs_review:
            raise NotNow("This case is not waiting for a decision by hand.")
        self.decide(by_hand(outcome, reason, facility_code), now=now, by=by)

    def complete_screening(self, findings: Findings, outcome: ScreeningOutcome, *, by: str,
                           now: datetime) -> None:
        self._check_can_decide()
        if not self.is_eligible:
            raise NotNow("Only an eligible case is screened for suitability.")
        if self.suitability is not None:
            raise NotNow("The suitability screening of this case is already decided.")
        self.suitability = decide_suitability(findings, outcome, by=by, now=now)
        self.events.append(ScreeningCompleted(
            case_id=self.case_id, outcome=outcome, reasons=list(self.suitability.reasons),
            indirect_path_offered=self.suitability.indirect_path_offered, decided_by=by,
            decided_at=now))

    def check_may_arrange_visits(self) -> None:
        """Gate clearance is asked for on an open, eligible case that is not paused."""
        self._check_can_decide()
        if not self.is_eligible:
            raise NotNow("Gate clearance is arranged only for an eligible case.")

    def check_may_decide(self) -> None:
        """Nothing is decided on an ended case, or on a paused one until it is resumed."""
        self._check_can_decide()

    def pause(self) -> None:
        if self.is_open:
            self.paused = True

    def resume(self) -> None:
        self.paused = False

    def withdraw(self, *, now: datetime) -> None:
        """The victim withdrew (or someone ended the case for them): nothing more is decided."""
        self._end(CaseStatus.WITHDRAWN, now)

    def close(self, *, now: datetime) -> None:
        self._end(CaseStatus.CLOSED, now)

    def _check_can_decide(self) -> None:
        if not self.is_open:
            raise NotNow(f"This case has ended ({self.status.value}): nothing more is decided.")
        if self.paused:
            raise NotNow("This case is paused: nothing is decided until it is resumed.")

    def _end(self, status: CaseStatus, now: datetime) -> None:
        if self.is_open:
            self.status, self.ended_at = status, now
