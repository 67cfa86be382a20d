"""A case as screening sees it: whose case, and what was decided about eligibility."""
from dataclasses import dataclass, field
from datetime import datetime

from vod_shared.events import EligibilityDetermined, EventData

from screening.domain.rules import Eligibility


@dataclass
class ScreeningCase:
    case_id: str
    cdcr_number: str
    opened_at: datetime
    eligibility: Eligibility | None = None
    decided_at: datetime | None = None
    events: list[EventData] = field(default_factory=list, repr=False)

    def decide(self, eligibility: Eligibility, *, now: datetime, by: str = "system") -> None:
        self.eligibility, self.decided_at = eligibility, now
        self.events.append(EligibilityDetermined(
            case_id=self.case_id, outcome=eligibility.outcome, reason=eligibility.reason,
            cdcr_number=self.cdcr_number, facility_code=eligibility.facility_code,
            on_parole=eligibility.on_parole, decided_by=by, decided_at=now,
        ))
