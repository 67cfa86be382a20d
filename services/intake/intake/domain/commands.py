"""What intake is asked to do, in the program's words."""
from dataclasses import dataclass, fields
from enum import StrEnum

from vod_shared.events import ActedBy, Channel, CustodyNoticeKind, Language, Relationship, RequestSource

PERSONAL_FIELDS = ("given_name", "family_name", "email", "phone", "state", "time_zone")


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

    def contact_kinds(self) -> frozenset[str]:
        """The kinds of contact given: ``email``, ``phone``."""
        return frozenset(k for k, v in (("email", self.email), ("phone", self.phone)) if v)

    def channel_kind(self) -> str:
        return "phone" if self.preferred_channel is Channel.SMS else "email"

    def personal_details(self) -> dict:
        """Everything that identifies or reaches the person: sealed, never in an event."""
        details = {name: getattr(self, name) for name in PERSONAL_FIELDS}
        details["preferred_language"] = self.preferred_language.value
        details["preferred_channel"] = self.preferred_channel.value
        return details


@dataclass(frozen=True)
class RequestDialogue:
    requester: Requester
    cdcr_number: str
    source: RequestSource
    offender_given_name: str | None = None
    offender_family_name: str | None = None
    notes: str | None = None
    webhook_id: str | None = None
    # The contacts proven: all given, from a partner or staff (they spoke with the person);
    # the one confirmed, from the public page.
    confirmed: frozenset[str] = frozenset()
    # From the public page: a contact typed beside the proven one ({"phone": ...}), kept apart
    # and unused until she proves it from her page.
    unproven: dict | None = None

    def case_details(self) -> dict:
        """What the requester told us about the offender, and their notes: personal data too."""
        return {"offender_given_name": self.offender_given_name,
                "offender_family_name": self.offender_family_name, "notes": self.notes}


@dataclass(frozen=True)
class RegisterForCustodyNotices:
    requester: Requester
    cdcr_number: str
    notify_on: frozenset[CustodyNoticeKind]
    source: RequestSource
    webhook_id: str | None = None
    confirmed: frozenset[str] = frozenset()
    # Set when the registration comes with her dialogue request: the same person, not another.
    registrant_id: str | None = None
    unproven: dict | None = None


@dataclass(frozen=True)
class ChangeCase:
    """Pause, resume or withdraw: the victim drives the case."""

    case_id: str
    action: str  # "pause" | "resume" | "withdraw"
    by: ActedBy
    # What staff wrote down about it: personal data (it may say where she is), so it stays in
    # intake's store, sealed, and never travels on an event.
    note: str | None = None
    author: str | None = None


class ErasureReason(StrEnum):
    """Why a person's details are erased (a code: the reason travels and is logged)."""

    PERSON_ASKED = "person_asked"
    RETENTION_PERIOD = "retention_period"
    LEGAL_ORDER = "legal_order"
    ENTERED_IN_ERROR = "entered_in_error"


class ErasureReapplied(StrEnum):
    """The reason logged for an erasure made again after a restore (the first reason was in
    the store the restore replaced); never a staff member's choice."""

    AFTER_RESTORE = "reapplied_after_restore"


class ErasedVia(StrEnum):
    """How an erasure was asked for, for the erasure log."""

    STAFF_API = "staff_api"
    COMMAND_LINE = "command_line"
    RETENTION = "retention"  # ERASE_AFTER_CLOSED_DAYS, by intake itself
    RESTORE = "restore"  # python -m intake.erase reapply, after a restore


@dataclass(frozen=True)
class ErasePerson:
    """Destroy a person's details everywhere; the cases' history stays, "details erased"."""

    person_id: str
    reason: ErasureReason | ErasureReapplied
    by: str | None  # the staff member's username, for the audit; none when intake erases
    via: ErasedVia = ErasedVia.STAFF_API


class SupportRelationship(StrEnum):
    """Who the support person is to her (kept sealed with their details, never on a topic)."""

    FAMILY = "family"
    PARTNER = "partner"
    FRIEND = "friend"
    ADVOCATE = "victim_advocate"
    FAITH = "faith_leader"
    OTHER = "other"


@dataclass(frozen=True)
class AddSupportPerson:
    """Staff add the support person a victim will bring to the dialogue (at her word)."""

    case_id: str
    given_name: str
    family_name: str
    preferred_language: Language
    preferred_channel: Channel
    by: str  # the staff member's username
    email: str | None = None
    phone: str | None = None
    relationship: SupportRelationship | None = None

    def personal_details(self) -> dict:
        """Everything that identifies or reaches them: sealed, never in an event."""
        return {"given_name": self.given_name, "family_name": self.family_name,
                "relationship": self.relationship.value if self.relationship else None,
                "email": self.email, "phone": self.phone,
                "preferred_language": self.preferred_language.value,
                "preferred_channel": self.preferred_channel.value}


@dataclass(frozen=True)
class RemoveSupportPerson:
    """The victim no longer wants this support person: off the case, and their details erased."""

    case_id: str
    person_id: str
    by: str
