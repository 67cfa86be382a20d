"""Events intake publishes on ``vod.intake`` (subject: the case id, or the registration id)."""
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from vod_shared.events.base import EventData
from vod_shared.events.people import SealedDetails


class Relationship(StrEnum):
    VICTIM = "victim"
    SURVIVING_FAMILY_MEMBER = "surviving_family_member"
    WITNESS = "witness"
    OTHER = "other"


class Language(StrEnum):
    EN = "en"
    ES = "es"


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class RequestSource(StrEnum):
    WEBHOOK = "webhook"
    WEB_FORM = "web_form"
    PHONE = "phone"


class CustodyNoticeKind(StrEnum):
    """The kinds of custody change a registrant may ask to hear of (the state's form 1707)."""

    RELEASE = "release"
    DEATH = "death"
    ESCAPE = "escape"
    PAROLE_HEARING = "parole_hearing"
    TRANSFER = "transfer"
    PAROLE_DISCHARGE = "parole_discharge"
    CONTRACT = "contract"
    SCHEDULED_EXECUTION = "scheduled_execution"


class RequestReceived(EventData):
    event_name: ClassVar[str] = "RequestReceived"

    case_id: str
    reference: str
    requester_id: str
    relationship: Relationship
    cdcr_number: str
    preferred_language: Language
    preferred_channel: Channel
    source: RequestSource
    # Deprecated, always false: whether someone lives outside California is whereabouts, and
    # travels sealed in ``logistics`` instead. Kept so that readers built against it still load.
    offer_travel_accommodation: bool = False
    # Sealed for screening and scheduling: {"offer_travel_accommodation": bool}.
    logistics: SealedDetails | None = None
    received_at: datetime


class RequestRepeated(EventData):
    """The requester of an open case asked again (same email or phone, same offender): the
    request joined that case. Their new submission's details come sealed, like the case's."""

    event_name: ClassVar[str] = "RequestRepeated"

    case_id: str
    requester_id: str
    source: RequestSource
    # Sealed for intake, screening and scheduling (the readers of case notes):
    # {"offender_given_name", "offender_family_name", "notes"} as this submission told them.
    details: SealedDetails | None = None
    at: datetime


class RegistrationReceived(EventData):
    event_name: ClassVar[str] = "RegistrationReceived"

    registration_id: str
    registrant_id: str
    relationship: Relationship
    cdcr_number: str
    notify_on: list[CustodyNoticeKind]
    preferred_language: Language
    preferred_channel: Channel
    received_at: datetime


class RegistrationChanged(EventData):
    """The registrant changed which custody changes they want to hear of (on their own page,
    after a one-time code). ``notify_on`` is the whole new set, not a difference."""

    event_name: ClassVar[str] = "RegistrationChanged"

    registration_id: str
    registrant_id: str
    notify_on: list[CustodyNoticeKind]
    at: datetime


class RegistrationCancelled(EventData):
    """The registrant cancelled the registration: no more custody notices from it."""

    event_name: ClassVar[str] = "RegistrationCancelled"

    registration_id: str
    registrant_id: str
    at: datetime


class DuplicateOverlap(StrEnum):
    """What two requests about one offender share, as staff need to judge them (never the value)."""

    SAME_EMAIL = "same_email"
    SAME_PHONE = "same_phone"


class PossibleDuplicateFound(EventData):
    """A new case shares a contact with another open case about the same offender, but not the
    contact that case was confirmed with: a person decides whether they are one requester.
    Neither requester is told of the other. Subject: the new case."""

    event_name: ClassVar[str] = "PossibleDuplicateFound"

    case_id: str
    other_case_id: str
    overlaps: list[DuplicateOverlap]
    at: datetime


class SupportPersonAdded(EventData):
    """Staff added the support person a victim will bring to the dialogue. Who they are and how
    to reach them travel only on ``vod.people`` (``PersonRegistered``, sealed under their own
    key): this says only which person supports the victim in which case."""

    event_name: ClassVar[str] = "SupportPersonAdded"

    case_id: str
    support_person_id: str
    # How to write to them (codes, as on RequestReceived): notifications plans their messages
    # with these before it opens their contact to send
    preferred_language: Language = Language.EN
    preferred_channel: Channel = Channel.EMAIL
    at: datetime


class SupportPersonRemovalReason(StrEnum):
    """Why a support person is off a case (a code, never a person's details)."""

    VICTIM_ASKED = "victim_asked"  # the victim no longer brings them
    VICTIM_ERASED = "victim_erased"  # the victim's details were erased: hers go with her
    SUPPORT_PERSON_ERASED = "support_person_erased"  # their own details were erased


class SupportPersonRemoved(EventData):
    """A support person is off the case, and intake erased their details (``PersonErased``
    follows on ``vod.people``): at the victim's word, or because the victim's or their own
    details were erased (``reason``)."""

    event_name: ClassVar[str] = "SupportPersonRemoved"

    case_id: str
    support_person_id: str
    at: datetime
    reason: SupportPersonRemovalReason | None = Field(
        None, description="Why they are off the case: victim_asked, victim_erased or "
                          "support_person_erased. Absent (events written before it existed): "
                          "the victim asked.")

    @property
    def why(self) -> SupportPersonRemovalReason:
        return self.reason or SupportPersonRemovalReason.VICTIM_ASKED
