"""A dialogue case as intake holds it: who asked, about whom, and whether it is open."""
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from vod_shared.events import (
    Channel,
    EventData,
    Language,
    Relationship,
    RequestReceived,
    RequestSource,
)


class CaseStatus(StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


@dataclass
class Case:
    case_id: str
    reference: str
    requester_id: str
    cdcr_number: str
    status: CaseStatus
    opened_at: datetime
    events: list[EventData] = field(default_factory=list, repr=False)

    @classmethod
    def open(cls, *, case_id: str, reference: str, requester_id: str, relationship: Relationship,
             cdcr_number: str, language: Language, channel: Channel, source: RequestSource,
             offer_travel_accommodation: bool, now: datetime) -> "Case":
        case = cls(case_id, reference, requester_id, cdcr_number, CaseStatus.OPEN, now)
        case.events.append(RequestReceived(
            case_id=case_id, reference=reference, requester_id=requester_id,
            relationship=relationship, cdcr_number=cdcr_number, preferred_language=language,
            preferred_channel=channel, source=source,
            offer_travel_accommodation=offer_travel_accommodation, received_at=now,
        ))
        return case

    @property
    def is_open(self) -> bool:
        return self.status in (CaseStatus.OPEN, CaseStatus.PAUSED)


def format_reference(year: int, number: int) -> str:
    """The reference staff and victims read out on the phone: ``VOD-2026-000123``."""
    return f"VOD-{year}-{number:06d}"
