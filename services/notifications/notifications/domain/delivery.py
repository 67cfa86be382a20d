"""A delivery's life, and what a provider's answer means for it.

    pending --claim--> sending --> sent | failed | pending (a temporary failure, retried later)
                               \\-> unknown  (the provider may have it: never sent again blindly)
    pending --> skipped (no address on that channel, or the number opted out of texts)
    pending/paused --> cancelled (the case was withdrawn or closed before it went, or the
                      meeting it announces has begun; or its recipient was erased)
    pending <--> paused (while the case is on hold)
    pending --> pending on the other channel (she now prefers it), or skipped (it goes to her
                on that channel already)

A row still ``sending`` once its lease has run out was cut off mid-send (a crash): its outcome
is unknown, and staff reconcile it.

A text is settled later by the provider's status callback (``provider_status``): delivered,
queued or sent there means it went (unknown --> sent; a sent one gets its ``delivered_at``);
failed or undelivered means it did not (sent | unknown --> failed). Staff settle an unknown
one by hand (``settling``): it went (--> sent) or it did not (--> pending, sent once more).
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from vod_shared.events import Channel


class Status(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    PAUSED = "paused"


OUTCOME_UNKNOWN = "outcome_unknown"


@dataclass(frozen=True)
class Sent:
    provider_id: str | None


@dataclass(frozen=True)
class TemporaryFailure:
    reason: str
    retry_after_s: float | None = None


@dataclass(frozen=True)
class PermanentFailure:
    reason: str


@dataclass(frozen=True)
class OutcomeUnknown:
    """The provider may have taken the message (the connection broke after it was handed over)."""

    reason: str


Outcome = Sent | TemporaryFailure | PermanentFailure | OutcomeUnknown


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff for temporary failures, for up to a day after the first attempt."""

    first_delay_s: float = 30.0
    max_delay_s: float = 3600.0
    give_up_after_s: float = 86400.0

    def next_attempt(self, *, now: datetime, first_attempt_at: datetime, attempts: int,
                     retry_after_s: float | None = None) -> datetime | None:
        """When to try again after ``attempts`` tries, or None: it is time to give up."""
        deadline = first_attempt_at + timedelta(seconds=self.give_up_after_s)
        if now >= deadline:
            return None
        delay = min(self.first_delay_s * 2 ** max(attempts - 1, 0), self.max_delay_s)
        if retry_after_s is not None:
            delay = max(delay, retry_after_s)  # the provider asked us to wait at least this
        return min(now + timedelta(seconds=delay), deadline)


@dataclass(frozen=True)
class Delivery:
    """One message to one person on one channel, as the store holds it."""

    id: str
    seq: int
    cause_event_id: str
    recipient_id: str
    channel: str
    template: str
    subject: str
    reference: str
    language: str
    params: dict
    urgent: bool
    status: Status
    due_at: datetime
    attempts: int = 0
    first_attempt_at: datetime | None = None
    sending_since: datetime | None = None
    finished_at: datetime | None = None
    provider_id: str | None = None
    reason: str | None = None
    created_at: datetime | None = None
    follows_preference: bool = False
    delivered_at: datetime | None = None  # the SMS provider said the handset has it


def channel_now(delivery: Delivery, preferred: str | None) -> Channel | None:
    """The channel a delivery moves to because its recipient now prefers another than the one
    it was planned on (``preferred``: her current choice, from her sealed details); None to
    leave it where it is. Only a message planned on her preferred channel follows it: not an
    urgent one on every channel, the dialogue's calendar email, a fallback on the other channel
    or a reply to her own text."""
    if not delivery.follows_preference or preferred == delivery.channel:
        return None
    try:
        return Channel(preferred)
    except ValueError:
        return None  # none given, or one we do not send on: as planned
