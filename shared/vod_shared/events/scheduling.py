"""Events scheduling publishes on ``vod.scheduling`` (subject: the case id)."""
from datetime import datetime
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


class FacilitatorAssigned(EventData):
    event_name: ClassVar[str] = "FacilitatorAssigned"

    case_id: str
    facilitator_ids: list[str]
    at: datetime


class MeetingScheduled(EventData):
    event_name: ClassVar[str] = "MeetingScheduled"

    case_id: str
    meeting_id: str
    party: Party
    mode: MeetingMode
    # Carries its UTC offset; readers show it in the reader's own zone.
    starts_at: datetime
    facilitator_ids: list[str]


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


class SessionCompleted(EventData):
    event_name: ClassVar[str] = "SessionCompleted"

    case_id: str
    session_id: str
    at: datetime
