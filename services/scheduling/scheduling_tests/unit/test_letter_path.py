"""The indirect path's letter, walked in the domain: received, returned for revision, received
again, approved; she first says not now (kept in the letter bank), later asks for it, and it is
given by mail. It cannot be given before she asks, nor reviewed twice."""
from datetime import date, timedelta

import pytest

from vod_shared.events import (
    LetterDelivered,
    LetterHandover,
    LetterKept,
    LetterReceived,
    LetterReview,
    LetterReviewed,
)

from scheduling.domain.errors import NotNow
from scheduling.domain.letters import Letter, LetterState
from scheduling_tests.builders import Clock, pacific


def take(letter: Letter) -> list:
    events, letter.events = letter.events, []
    return events


def test_a_letter_walks_from_received_through_revision_and_the_bank_to_her_hands():
    clock = Clock(pacific(2026, 4, 6, 9))
    letter = Letter.receive(case_id="case-1", received_on=date(2026, 4, 3), now=clock())
    [received] = take(letter)
    assert isinstance(received, LetterReceived)
    assert (received.letter_id, received.received_on, received.revision) == (
        letter.letter_id, date(2026, 4, 3), 1)
    with pytest.raises(NotNow, match="asked for it"):
        letter.deliver(LetterHandover.IN_PERSON, by="rosa", now=clock())

    clock.advance(days=2)
    letter.review(LetterReview.RETURNED_FOR_REVISION, by="rosa", now=clock())
    [returned] = take(letter)
    assert isinstance(returned, LetterReviewed) and returned.outcome == "returned_for_revision"
    with pytest.raises(NotNow, match="returned for revision"):
        letter.victim_answered(wants=True, now=clock())

    clock.advance(days=20)
    letter.revised(received_on=date(2026, 4, 27), now=clock())
    [again] = take(letter)
    assert isinstance(again, LetterReceived) and again.revision == 2
    letter.review(LetterReview.APPROVED, by="li", now=clock())
    [approved] = take(letter)
    assert (approved.outcome, approved.revision) == ("approved", 2)
    assert letter.reviewed_by == "li"
    with pytest.raises(NotNow, match="just received"):
        letter.review(LetterReview.APPROVED, by="li", now=clock())

    letter.victim_answered(wants=False, now=clock())
    [kept] = take(letter)
    assert isinstance(kept, LetterKept) and letter.state is LetterState.KEPT
    letter.victim_answered(wants=False, now=clock())  # asked again: still kept, nothing new
    assert take(letter) == []

    clock.advance(days=90)
    letter.victim_answered(wants=True, now=clock())  # months later she asks for it
    assert take(letter) == [] and letter.state is LetterState.APPROVED
    letter.deliver(LetterHandover.BY_MAIL, by="rosa", now=clock())
    [delivered] = take(letter)
    assert isinstance(delivered, LetterDelivered) and delivered.handover == "by_mail"
    assert (letter.state, letter.delivered_by) == (LetterState.DELIVERED, "rosa")
    assert letter.delivered_at - letter.received_at == timedelta(days=90)
    with pytest.raises(NotNow):
        letter.deliver(LetterHandover.BY_MAIL, by="rosa", now=clock())
