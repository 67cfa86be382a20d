"""A case as screening sees it: whose case, whether it is still open, and what was decided
about eligibility."""
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from vod_shared.events import EligibilityDetermined, EventData

from screening.domain.rules import CustodyRecord, Eligibility, answer_changed, determine_eligibility


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
    events: list[EventData] = field(default_factory=list, repr=False)

    @property
    def is_open(self) -> bool:
        return self.status is CaseStatus.OPEN

    def decide(self, eligibility: Eligibility, *, now: datetime, by: str = "system") -> None:
        self.eligibility, self.decided_at = eligibility, now
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

    def withdraw(self, *, now: datetime) -> None:
        """The victim withdrew (or someone ended the case for them): nothing more is decided."""
        self._end(CaseStatus.WITHDRAWN, now)

    def close(self, *, now: datetime) -> None:
        self._end(CaseStatus.CLOSED, now)

    def _end(self, status: CaseStatus, now: datetime) -> None:
        if self.is_open:
            self.status, self.ended_at = status, now
