"""Linked family cases, the rule alone: which cases may share one joint dialogue, and who holds
that dialogue up (everyone still going must be ready; a withdrawn participant holds no one)."""
import uuid

import pytest

from vod_shared.events import Party, Venue

from scheduling.domain.errors import NotReadyForDialogue
from scheduling.domain.family import CannotLink, check_linkable, ensure_ready_together, holding_up
from scheduling.domain.intervals import Interval
from scheduling.domain.model import Case
from scheduling.domain.session import DialogueSession
from scheduling.domain.stages import Stage
from scheduling_tests.builders import pacific

NOW = pacific(2026, 5, 4)


def family_case(reference: str, *, cdcr: str = "AB1234", ready=(Party.VICTIM, Party.OFFENDER),
                stage: Stage = Stage.PREPARATION) -> Case:
    return Case(str(uuid.uuid4()), cdcr, opened_at=NOW, stage=stage, reference=reference,
                victim_id=f"person-{uuid.uuid4().hex[:8]}", facilitator_ids=("fac-eli",),
                ready={party: NOW for party in ready})


def test_two_cases_about_the_same_offender_may_be_linked():
    check_linkable(family_case("VOD-1"), family_case("VOD-2"), group_id=None,
                   other_group_id=None)
    check_linkable(family_case("VOD-1"), family_case("VOD-3"), group_id="g1",
                   other_group_id=None)


@pytest.mark.parametrize("other, other_group, said", [
    (family_case("VOD-2", cdcr="ZZ9999"), None, "VOD-2 is about another offender"),
    (family_case("VOD-2", stage=Stage.WITHDRAWN), None, "VOD-2 has ended (withdrawn)"),
    (family_case("VOD-2", stage=Stage.CLOSED), None, "VOD-2 has ended (closed)"),
    (family_case("VOD-2", stage=Stage.NOT_SUITABLE), None, "VOD-2 has ended (not suitable)"),
    (family_case("VOD-2"), "another-group", "VOD-2 is already linked to another dialogue"),
    (family_case("VOD-2"), "g1", "VOD-2 is already linked to this dialogue"),
])
def test_refusals_say_why_in_staff_words(other, other_group, said):
    with pytest.raises(CannotLink) as refused:
        check_linkable(family_case("VOD-1"), other, group_id="g1", other_group_id=other_group)
    assert refused.value.reasons == [said]


def test_every_reason_is_said_at_once_and_a_case_is_not_linked_to_itself():
    case = family_case("VOD-1")
    with pytest.raises(CannotLink) as refused:
        check_linkable(case, family_case("VOD-2", cdcr="ZZ9999", stage=Stage.WITHDRAWN),
                       group_id=None, other_group_id="elsewhere")
    assert len(refused.value.reasons) == 3
    with pytest.raises(CannotLink, match="itself"):
        check_linkable(case, case, group_id=None, other_group_id=None)


def test_no_case_is_linked_while_a_dialogue_is_set():
    scheduled = family_case("VOD-2")
    scheduled.sessions.append(DialogueSession(
        "s1", Interval(pacific(2026, 6, 1, 10), pacific(2026, 6, 1, 13)), Venue.VIDEO,
        "America/Los_Angeles", ("fac-eli",)))
    with pytest.raises(CannotLink, match="cancel it first"):
        check_linkable(family_case("VOD-1"), scheduled, group_id=None, other_group_id=None)
    # Nor is one linked to a joint dialogue already set for its participants.
    with pytest.raises(CannotLink, match="cancel it first"):
        check_linkable(scheduled, family_case("VOD-3"), group_id="g1", other_group_id=None)


def test_no_case_is_linked_while_any_participant_has_the_dialogue_set():
    scheduled = family_case("VOD-2")
    scheduled.sessions.append(DialogueSession(
        "s1", Interval(pacific(2026, 6, 1, 10), pacific(2026, 6, 1, 13)), Venue.VIDEO,
        "America/Los_Angeles", ("fac-eli",)))
    # Linked from a participant without a session, to a dialogue another one has set.
    with pytest.raises(CannotLink, match="cancel it first"):
        check_linkable(family_case("VOD-1"), family_case("VOD-3"), group_id="g1",
                       other_group_id=None, members=[scheduled])


def test_the_joint_dialogue_waits_for_every_participant_still_going():
    ready, waiting = family_case("VOD-1"), family_case("VOD-2", ready=(Party.OFFENDER,))
    assert holding_up([ready, waiting]) == {"VOD-2": ["the victim is not yet ready"]}
    with pytest.raises(NotReadyForDialogue) as refused:
        ensure_ready_together([ready, waiting])
    assert refused.value.reasons == ["VOD-2: the victim is not yet ready"]

    waiting.ready[Party.VICTIM] = NOW
    assert ensure_ready_together([ready, waiting]) == [ready, waiting]


def test_a_withdrawn_participant_holds_no_one_up_and_is_not_scheduled():
    ready = family_case("VOD-1")
    gone = family_case("VOD-2", ready=(), stage=Stage.WITHDRAWN)
    assert holding_up([ready, gone]) == {}
    assert ensure_ready_together([ready, gone]) == [ready]
    with pytest.raises(NotReadyForDialogue, match="no participant"):
        ensure_ready_together([gone])
