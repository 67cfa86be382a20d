"""Events screening publishes on ``vod.screening`` (subject: the case id)."""
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from vod_shared.events.base import EventData


class EligibilityOutcome(StrEnum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    NEEDS_REVIEW = "needs_review"


class ScreeningOutcome(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"


class VisitorRole(StrEnum):
    VICTIM = "victim"
    SUPPORT_PERSON = "support_person"
    FACILITATOR = "facilitator"


class EligibilityDetermined(EventData):
    event_name: ClassVar[str] = "EligibilityDetermined"

    case_id: str
    outcome: EligibilityOutcome
    # A reason code such as ``in_state_prison``, ``county_jail``, ``not_in_registry``.
    reason: str
    cdcr_number: str
    facility_code: str | None = None
    on_parole: bool = False
    decided_by: str = "system"
    decided_at: datetime
    # True when this answer ends the case (ineligible for good); an escapee is ineligible but
    # the case waits for the return to custody, so it does not end. Screening decides; readers
    # (intake, scheduling) follow.
    ends_case: bool = False


class ScreeningCompleted(EventData):
    event_name: ClassVar[str] = "ScreeningCompleted"

    case_id: str
    outcome: ScreeningOutcome
    reasons: list[str] = []
    indirect_path_offered: bool = False
    decided_by: str
    decided_at: datetime


class ClearanceGranted(EventData):
    event_name: ClassVar[str] = "ClearanceGranted"

    case_id: str
    clearance_id: str
    visitor_id: str
    visitor_role: VisitorRole
    facility_code: str
    expires_on: date
    decided_at: datetime


class ClearanceDenied(EventData):
    event_name: ClassVar[str] = "ClearanceDenied"

    case_id: str
    clearance_id: str
    visitor_id: str
    visitor_role: VisitorRole
    facility_code: str
    reason: str
    decided_at: datetime


class ClearanceVoided(EventData):
    """A clearance that no longer holds through no decision about the visitor: the offender
    left that facility (a transfer, say). Read it as if the clearance had never been granted."""

    event_name: ClassVar[str] = "ClearanceVoided"

    case_id: str
    clearance_id: str
    visitor_id: str
    visitor_role: VisitorRole
    facility_code: str
    # A reason code: ``offender_transferred``, ``offender_left_facility``; a support person taken
    # off the case: ``support_person_removed``, ``victim_erased``, ``support_person_erased``.
    reason: str
    voided_at: datetime


class DuplicateDecision(StrEnum):
    SAME_REQUESTER = "same_requester"
    DIFFERENT_REQUESTERS = "different_requesters"


class DuplicateResolved(EventData):
    """Screening staff decided a possible duplicate (see ``PossibleDuplicateFound``).
    Subject: the newer case."""

    event_name: ClassVar[str] = "DuplicateResolved"

    case_id: str
    other_case_id: str
    decision: DuplicateDecision
    at: datetime
