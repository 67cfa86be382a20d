"""Events scheduling publishes on ``vod.scheduling`` (subject: the case id)."""
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from vod_shared.events.base import EventData


class Party(StrEnum):
    VICTIM = "victim"
    OFFENDER = "offender"


class MeetingMode(StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"


class Venue(StrEnum):
    FACILITY = "facility"
    COMMUNITY = "community"
    VIDEO = "video"


class SurveyStage(StrEnum):
    ENROLLMENT = "enrollment"
    AFTER_DIALOGUE = "after_dialogue"
    MONTHS_LATER = "months_later"


class FacilitatorAssigned(EventData):
    event_name: ClassVar[str] = "FacilitatorAssigned"

    case_id: str
    facilitator_ids: list[str]
    at: datetime
    # A reassignment names who was assigned before (empty the first time); a reason code.
    previous_facilitator_ids: list[str] = []
    reason: str | None = None
    # facilitator id -> the staff account that acts as them (if any), so the other services
    # can show a facilitator the cases assigned to them.
    staff_accounts: dict[str, str] = {}


class MeetingScheduled(EventData):
    event_name: ClassVar[str] = "MeetingScheduled"

    case_id: str
    meeting_id: str
    party: Party
    mode: MeetingMode
    # Carries its UTC offset; readers show it in the reader's own zone.
    starts_at: datetime
    facilitator_ids: list[str]
    ends_at: datetime | None = None
    follow_up: bool = False
    # Bumped on each reschedule, so a calendar invitation replaces the earlier one.
    sequence: int = 0


class MeetingCancelled(EventData):
    event_name: ClassVar[str] = "MeetingCancelled"

    case_id: str
    meeting_id: str
    party: Party
    # A reason code such as ``case_paused``, ``case_withdrawn``, ``staff``.
    reason: str
    sequence: int = 0
    at: datetime


class PartyReady(EventData):
    event_name: ClassVar[str] = "PartyReady"

    case_id: str
    party: Party
    at: datetime


class SessionScheduled(EventData):
    event_name: ClassVar[str] = "SessionScheduled"

    case_id: str
    session_id: str
    starts_at: datetime
    venue: Venue
    facility_code: str | None = None
    facilitator_ids: list[str]
    ends_at: datetime | None = None
    # The venue's IANA zone; ``starts_at`` carries its offset there.
    time_zone: str | None = None
    # Bumped on each reschedule or change of venue (the iCalendar SEQUENCE).
    sequence: int = 0


class SessionCancelled(EventData):
    event_name: ClassVar[str] = "SessionCancelled"

    case_id: str
    session_id: str
    # A reason code such as ``case_paused``, ``offender_transferred``, ``staff``.
    reason: str
    sequence: int = 0
    at: datetime


class SessionCompleted(EventData):
    event_name: ClassVar[str] = "SessionCompleted"

    case_id: str
    session_id: str
    at: datetime


class ClearanceRequested(EventData):
    """Scheduling asks screening for gate clearance at a facility (after a transfer, say)."""

    event_name: ClassVar[str] = "ClearanceRequested"

    case_id: str
    facility_code: str
    victim_id: str | None = None
    facilitator_ids: list[str] = []
    support_person_ids: list[str] = []
    reason: str
    needed_by: date | None = None
    at: datetime


class SurveyDue(EventData):
    """A participant survey is due now: notifications sends it to the victim (``recipient_id``);
    the offender's is handed over by a facilitator (``recipient_id`` is None)."""

    event_name: ClassVar[str] = "SurveyDue"

    case_id: str
    survey_id: str
    party: Party
    stage: SurveyStage
    recipient_id: str | None = None
    at: datetime


class CasesLinked(EventData):
    """Staff linked cases about the same offender into one joint dialogue (several family
    members on the victim's side). Ids only. Subject: the group id."""
    event_name: ClassVar[str] = "CasesLinked"

    group_id: str
    # Every case now in the group (the one just linked included), in the order they joined.
    case_ids: list[str]
    at: datetime


class CaseUnlinked(EventData):
    """A case left a joint dialogue (its participant withdrew, or it was linked by mistake).
    Subject: the group id; ``case_ids``: those still in it (none: the group is dissolved)."""
    event_name: ClassVar[str] = "CaseUnlinked"

    group_id: str
    case_id: str
    case_ids: list[str] = []
    at: datetime
