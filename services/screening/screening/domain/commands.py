"""What screening is asked to do, in the program's words."""
from dataclasses import dataclass
from datetime import date

from vod_shared.events import DuplicateDecision, EligibilityOutcome, ScreeningOutcome, VisitorRole

from screening.domain.custody import CustodyReport
from screening.domain.suitability import Findings


@dataclass(frozen=True)
class RecordCustodyChange:
    """Keep what the corrections department reported in the registry, and announce it.
    ``webhook_id``: the feed's id for the call, so a call received twice is kept once."""

    report: CustodyReport
    webhook_id: str | None = None


@dataclass(frozen=True)
class ResolveReview:
    """A screener decides by hand a case the registry could not answer."""

    case_id: str
    outcome: EligibilityOutcome
    reason: str
    facility_code: str | None = None


@dataclass(frozen=True)
class CompleteScreening:
    """A screener records the suitability screening and its outcome."""

    case_id: str
    findings: Findings
    outcome: ScreeningOutcome


@dataclass(frozen=True)
class RequestClearance:
    case_id: str
    visitor_id: str
    visitor_role: VisitorRole
    facility_code: str


@dataclass(frozen=True)
class GrantClearance:
    case_id: str
    clearance_id: str
    expires_on: date


@dataclass(frozen=True)
class DenyClearance:
    case_id: str
    clearance_id: str
    reason: str


@dataclass(frozen=True)
class ResolveDuplicate:
    """A screener decides whether the newer case's requester is the other case's. Without
    ``other_case_id``: the case's only possible duplicate still open."""

    case_id: str
    decision: DuplicateDecision
    other_case_id: str | None = None
