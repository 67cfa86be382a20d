"""The indirect path's accountability letter (the program: when the offender declines, the
victim is offered a letter, or the accountability letter bank).

A letter is received (on a date), reviewed by staff (approved, or returned to its writer for
revision, after which it is received again), and the victim is asked whether she wants it. It
is given to her, in person or by mail, only when she has asked for it; otherwise it is kept in
the letter bank, and she may ask for it later. The letter's words are not part of this model:
the service layer keeps them sealed, and no event carries them. Pure: the time is passed in.
"""
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from vod_shared.events import (
    EventData,
    LetterDelivered,
    LetterHandover,
    LetterKept,
    LetterReceived,
    LetterReview,
    LetterReviewed,
)

from scheduling.domain.errors import NotNow


class LetterState(StrEnum):
    RECEIVED = "received"  # waiting for its review
    RETURNED = "returned_for_revision"
    APPROVED = "approved"  # she may be asked, or has asked for it
    KEPT = "kept_in_letter_bank"
    DELIVERED = "delivered"


@dataclass(eq=False)
class Letter:
    letter_id: str
    case_id: str
    received_on: date
    received_at: datetime
    state: LetterState = LetterState.RECEIVED
    revision: int = 1
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    # Her answer, when she was asked: None until then.
    victim_wants: bool | None = None
    answered_at: datetime | None = None
    handover: LetterHandover | None = None
    delivered_by: str | None = None
    delivered_at: datetime | None = None
    events: list[EventData] = field(default_factory=list, repr=False)

    @classmethod
    def receive(cls, *, case_id: str, received_on: date, now: datetime) -> "Letter":
        letter = cls(str(uuid.uuid4()), case_id, received_on, now)
        letter._received(now)
        return letter

    def review(self, outcome: LetterReview, *, by: str, now: datetime) -> None:
        """Staff read it: approved, or returned to its writer for revision."""
        if self.state is not LetterState.RECEIVED:
            raise NotNow(f"This letter is {self._state_words()}: only a letter just received "
                         "is reviewed.")
        self.state = (LetterState.APPROVED if outcome is LetterReview.APPROVED
                      else LetterState.RETURNED)
        self.reviewed_by, self.reviewed_at = by, now
        self.events.append(LetterReviewed(case_id=self.case_id, letter_id=self.letter_id,
                                          outcome=outcome, revision=self.revision, at=now))

    def revised(self, *, received_on: date, now: datetime) -> None:
        """The writer's revision of a returned letter came back: reviewed again."""
        if self.state is not LetterState.RETURNED:
            raise NotNow(f"This letter is {self._state_words()}: only a letter returned for "
                         "revision comes back revised.")
        self.revision += 1
        self.received_on, self.reviewed_by, self.reviewed_at = received_on, None, None
        self._received(now)

    def victim_answered(self, *, wants: bool, now: datetime) -> None:
        """She was asked whether she wants the letter. Not now: it is kept in the letter bank;
        she may ask for it from there later."""
        if self.state not in (LetterState.APPROVED, LetterState.KEPT):
            raise NotNow(f"This letter is {self._state_words()}: she is asked only about an "
                         "approved letter.")
        self.victim_wants, self.answered_at = wants, now
        if wants:
            self.state = LetterState.APPROVED
        elif self.state is not LetterState.KEPT:
            self.state = LetterState.KEPT
            self.events.append(LetterKept(case_id=self.case_id, letter_id=self.letter_id, at=now))

    def deliver(self, handover: LetterHandover, *, by: str, now: datetime) -> None:
        """Given to her by staff, in person or by mail: only an approved letter she asked for."""
        if self.state is not LetterState.APPROVED or not self.victim_wants:
            raise NotNow("A letter is given only when it is approved and she has asked for it "
                         f"(this one is {self._state_words()}"
                         f"{'' if self.victim_wants else ', and she has not asked for it'}).")
        self.state, self.handover = LetterState.DELIVERED, handover
        self.delivered_by, self.delivered_at = by, now
        self.events.append(LetterDelivered(case_id=self.case_id, letter_id=self.letter_id,
                                           handover=handover, at=now))

    def _received(self, now: datetime) -> None:
        self.state, self.received_at = LetterState.RECEIVED, now
        self.events.append(LetterReceived(case_id=self.case_id, letter_id=self.letter_id,
                                          received_on=self.received_on, revision=self.revision,
                                          at=now))

    def _state_words(self) -> str:
        return self.state.value.replace("_", " ")
