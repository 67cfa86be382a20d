"""Linked family cases: several family members of one victim, each with a case of their own
about the same offender, meet him in one joint dialogue. Each case keeps its own preferences,
facilitators, preparation and readiness; the group decides only who is linked and whether
everyone still going is ready. A case that has ended (withdrawn, closed) holds no one up."""
from collections.abc import Iterable

from scheduling.domain.errors import NotNow, NotReadyForDialogue
from scheduling.domain.model import Case
from scheduling.domain.session import SessionStatus


class CannotLink(NotNow):
    """These cases cannot share one dialogue; ``reasons`` says every reason, in staff's words."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("The cases cannot be linked: " + "; ".join(reasons))
        self.reasons = reasons


class CoordinatorNeeded(NotNow):
    """A joint action that would change a case this staff member is not assigned to."""

    def __init__(self) -> None:
        super().__init__("This joint dialogue includes a case not assigned to you: a coordinator "
                         "must do this.")


def name(case: Case) -> str:
    return case.reference or case.case_id


def _has_dialogue(case: Case) -> bool:
    session = case.current_session
    return session is not None and session.status is SessionStatus.SCHEDULED


def check_linkable(case: Case, other: Case, *, group_id: str | None,
                   other_group_id: str | None, members: Iterable[Case] = ()) -> None:
    """Refuses (``CannotLink``) unless ``other`` may join ``case``'s dialogue (``group_id``:
    the group ``case`` is in, if any; ``members``: every case already in it)."""
    if other.case_id == case.case_id:
        raise CannotLink(["a case cannot be linked to itself"])
    reasons = []
    if other.cdcr_number != case.cdcr_number:
        reasons.append(f"{name(other)} is about another offender")
    for each in (case, other):
        if each.is_ended:
            reasons.append(f"{name(each)} has ended ({each.stage.value.replace('_', ' ')})")
    if other_group_id is not None:
        reasons.append(f"{name(other)} is already linked to "
                       + ("this dialogue" if other_group_id == group_id else "another dialogue"))
    # A dialogue already set is set for its own participants only: cancel it, link, set again.
    if any(_has_dialogue(each) for each in (case, other, *members)):
        reasons.append("a dialogue is already scheduled for one of them: cancel it first")
    if reasons:
        raise CannotLink(reasons)


def going(cases: Iterable[Case]) -> list[Case]:
    """The participants still going: a withdrawn or closed case is no longer waited for."""
    return [case for case in cases if not case.is_ended]


def holding_up(cases: Iterable[Case]) -> dict[str, list[str]]:
    """Who holds the joint dialogue up, and why: each participant still going and not ready."""
    return {name(case): blockers for case in going(cases)
            if (blockers := case.dialogue_blockers())}


def ensure_ready_together(cases: Iterable[Case]) -> list[Case]:
    """The participants to schedule the joint dialogue for; refused while any holds it up."""
    members = list(cases)
    together = going(members)
    if not together:
        raise NotReadyForDialogue(["no participant in this dialogue is still going"])
    waiting = holding_up(members)
    if waiting:
        raise NotReadyForDialogue([f"{who}: {reason}" for who, reasons in waiting.items()
                                   for reason in reasons])
    return together
