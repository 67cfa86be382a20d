"""What intake is asked to do, in the program's words."""
from dataclasses import dataclass

from vod_shared.events import Channel, Language, Relationship, RequestSource


@dataclass(frozen=True)
class Requester:
    relationship: Relationship
    preferred_language: Language
    preferred_channel: Channel
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    phone: str | None = None
    state: str | None = None
    time_zone: str | None = None

    def personal_details(self) -> dict:
        return {k: v for k, v in self.__dict__.items()
                if k in ("given_name", "family_name", "email", "phone", "state", "time_zone")}


@dataclass(frozen=True)
class RequestDialogue:
    requester: Requester
    cdcr_number: str
    source: RequestSource
    offender_given_name: str | None = None
    offender_family_name: str | None = None
    notes: str | None = None
    webhook_id: str | None = None

    def case_details(self) -> dict:
        return {"offender_given_name": self.offender_given_name,
                "offender_family_name": self.offender_family_name, "notes": self.notes}
