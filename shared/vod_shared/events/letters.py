"""The indirect path's accountability letter, told by scheduling on ``vod.scheduling``
(subject: the case id). When a dialogue cannot happen, the offender may write to the victim:
the letter is received, reviewed (approved, or returned for revision), and given to her, in
person or by mail, only if she asks for it; otherwise it is kept in the letter bank, where she
may ask for it later.

The letter's words never travel: they stay in scheduling's store, sealed for scheduling alone.
These events carry ids, dates and codes only; who reviewed or handed it over stays there too.
"""
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from vod_shared.events.base import EventData


class LetterReview(StrEnum):
    APPROVED = "approved"
    RETURNED_FOR_REVISION = "returned_for_revision"


class LetterHandover(StrEnum):
    IN_PERSON = "in_person"
    BY_MAIL = "by_mail"


class LetterReceived(EventData):
    event_name: ClassVar[str] = "LetterReceived"

    case_id: str
    letter_id: str
    received_on: date
    # 1 for the first letter; each revision after a return is received again with the next.
    revision: int = 1
    at: datetime


class LetterReviewed(EventData):
    event_name: ClassVar[str] = "LetterReviewed"

    case_id: str
    letter_id: str
    outcome: LetterReview
    revision: int = 1
    at: datetime


class LetterKept(EventData):
    """She does not want the letter (now): it is kept in the letter bank."""

    event_name: ClassVar[str] = "LetterKept"

    case_id: str
    letter_id: str
    at: datetime


class LetterDelivered(EventData):
    event_name: ClassVar[str] = "LetterDelivered"

    case_id: str
    letter_id: str
    handover: LetterHandover
    at: datetime
