"""What notifications knows of the people it may tell something: a dialogue case as its
requester sees it, and a custody-notification registration (the state's form 1707).

Neither holds contact details: those stay sealed in the store and are opened only to send.
"""
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from vod_shared.events import (
    WITHDRAWAL_PENDING,
    Channel,
    CustodyNoticeKind,
    Language,
    Relationship,
)


class CaseState(StrEnum):
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
    language: Language
    channel: Channel
    state: CaseState = CaseState.OPEN
    # She withdrew from her own page and may still undo it (for 7 days): held like a pause.
    withdrawal_pending: bool = False

    @property
    def ended(self) -> bool:
        return self.state in (CaseState.WITHDRAWN, CaseState.CLOSED)

    def move_to(self, step: str, reason: str | None = None) -> None:
        """paused, resumed, withdrawn or closed; an ended case stays ended. A pause with the
        reason WITHDRAWAL_PENDING is her withdrawal from her page: pending until she undoes it
        (a resume) or it becomes final (withdrawn)."""
        if self.ended:
            return
        self.state = {"paused": CaseState.PAUSED, "resumed": CaseState.OPEN,
                      "withdrawn": CaseState.WITHDRAWN, "closed": CaseState.CLOSED}[step]
        if step == "paused":
            self.withdrawal_pending = self.withdrawal_pending or reason == WITHDRAWAL_PENDING
        elif step == "resumed":
            self.withdrawal_pending = False


@dataclass(frozen=True)
class Registration:
    registration_id: str
    registrant_id: str
    relationship: Relationship
    cdcr_number: str
    notify_on: frozenset[CustodyNoticeKind]
    language: Language
    channel: Channel
    received_at: datetime
    # Cancelled by the registrant: she hears of nothing more from it.
    cancelled_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.cancelled_at is None

    @property
    def reference(self) -> str:
        """What the registrant quotes when they call: registrations carry no case reference, so
        a short form of the (random) registration id stands in for one."""
        return "REG-" + self.registration_id.replace("-", "")[:8].upper()


@dataclass(frozen=True)
class Notice:
    """One thing to tell one person: which message, on which channels, from when."""

    recipient_id: str
    template: str
    channels: tuple[Channel, ...]
    subject: str  # the case or registration the notice belongs to
    reference: str
    language: Language
    # Facts the message shows (dates, a facility code): never a name or a contact detail.
    params: tuple[tuple[str, str], ...] = ()
    urgent: bool = False
    not_before: datetime | None = None
    # The one of ``channels`` it goes on because the recipient prefers it: if she prefers
    # another by the time it goes, it goes there instead (domain.delivery.channel_now).
    preferred: Channel | None = None
