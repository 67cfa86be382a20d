"""A case as scheduling sees it. Preparation can begin only once screening says eligible
(and, later, approves the screening); until then the case waits."""
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from vod_shared.events import EligibilityOutcome


class Stage(StrEnum):
    AWAITING_SCREENING = "awaiting_screening"
    AWAITING_SUITABILITY = "awaiting_suitability"
    NOT_ELIGIBLE = "not_eligible"
    NEEDS_REVIEW = "needs_review"


@dataclass
class SchedulingCase:
    case_id: str
    cdcr_number: str
    stage: Stage
    opened_at: datetime
    updated_at: datetime

    @classmethod
    def open(cls, case_id: str, cdcr_number: str, now: datetime) -> "SchedulingCase":
        return cls(case_id, cdcr_number, Stage.AWAITING_SCREENING, now, now)

    def eligibility_decided(self, outcome: EligibilityOutcome, now: datetime) -> None:
        self.stage = {
            EligibilityOutcome.ELIGIBLE: Stage.AWAITING_SUITABILITY,
            EligibilityOutcome.INELIGIBLE: Stage.NOT_ELIGIBLE,
            EligibilityOutcome.NEEDS_REVIEW: Stage.NEEDS_REVIEW,
        }[outcome]
        self.updated_at = now
