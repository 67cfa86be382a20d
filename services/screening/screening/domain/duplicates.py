"""A possible duplicate: a new request shares a contact (the same email, or the same phone) with
another open case about the same offender, but was not confirmed with the contact that case
has. One person may have asked again from a new address, or someone may be using another
person's case. Intake opens a new case and asks; a person decides, on the newer case, whether
one requester made both. Neither requester is told of the other.

What the two requests share is known here only as codes, never the email or the number.
"""
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from vod_shared.events import DuplicateDecision, DuplicateOverlap, DuplicateResolved

from screening.domain.errors import DuplicateNotFound, InvalidDecision, NotNow

SHARED = {DuplicateOverlap.SAME_EMAIL: "the same email address",
          DuplicateOverlap.SAME_PHONE: "the same phone number"}
DECISIONS = {DuplicateDecision.SAME_REQUESTER: "the same requester",
             DuplicateDecision.DIFFERENT_REQUESTERS: "different requesters"}
NOT_KNOWN_YET = "a case screening has not heard of yet"


def shared_words(overlaps: Iterable[str]) -> str:
    """``the same email address and the same phone number``: what the requests share."""
    found = [SHARED.get(code, str(code).replace("_", " ")) for code in overlaps]
    return " and ".join(found) or "a contact"


@dataclass(frozen=True)
class OtherCase:
    case_id: str
    reference: str | None  # None: screening has not heard of the case yet

    @property
    def name(self) -> str:
        return self.reference or NOT_KNOWN_YET


@dataclass
class PossibleDuplicate:
    case_id: str        # the newer case: the decision is made on it
    other_case_id: str  # the open case it may duplicate
    overlaps: tuple[DuplicateOverlap, ...]
    found_at: datetime
    found_event_id: str
    decision: DuplicateDecision | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    resolved_event_id: str | None = None
    events: list[DuplicateResolved] = field(default_factory=list, repr=False)

    @property
    def is_open(self) -> bool:
        return self.decision is None

    def other_than(self, case_id: str) -> str:
        return self.other_case_id if case_id == self.case_id else self.case_id

    def already_decided(self) -> str:
        return (f"This possible duplicate is already decided: {DECISIONS[self.decision]} "
                f"(by {self.decided_by}).")

    def decide(self, decision: DuplicateDecision, *, by: str, now: datetime) -> None:
        if not self.is_open:
            raise NotNow(self.already_decided())
        self.decision, self.decided_by, self.decided_at = decision, by, now
        self.events.append(DuplicateResolved(case_id=self.case_id,
                                             other_case_id=self.other_case_id,
                                             decision=decision, at=now))


def pick(found: list[PossibleDuplicate], other_case_id: str | None) -> PossibleDuplicate:
    """The possible duplicate a decision on the newer case is about: the one named, or the only
    one still open."""
    if other_case_id:
        found = [d for d in found if d.other_case_id == other_case_id]
    if not found:
        raise DuplicateNotFound(other_case_id or "")
    still_open = [d for d in found if d.is_open]
    if not still_open:
        raise NotNow(found[0].already_decided())
    if len(still_open) > 1:
        raise InvalidDecision("This case may duplicate more than one case: say which one "
                              "(other_case_id).", field="other_case_id")
    return still_open[0]


@dataclass(frozen=True)
class Line:
    """A line of a case's timeline about a possible duplicate."""

    case_id: str
    event_id: str
    summary: str


def found_line(other: OtherCase, overlaps: Iterable[str]) -> str:
    return (f"Possible duplicate of {other.name}: the requests give {shared_words(overlaps)}"
            f" — a person decides whether one requester made both")


def decided_line(other: OtherCase, decision: DuplicateDecision, by: str | None) -> str:
    who = f" by {by}" if by else ""
    return f"Possible duplicate of {other.name} decided{who}: {DECISIONS[decision]}"


def lines(duplicate: PossibleDuplicate, references: Mapping[str, str | None]) -> list[Line]:
    """The lines on both cases' timelines, each naming the other case by its reference."""
    out = []
    for here in (duplicate.case_id, duplicate.other_case_id):
        other_id = duplicate.other_than(here)
        other = OtherCase(other_id, references.get(other_id))
        out.append(Line(here, duplicate.found_event_id, found_line(other, duplicate.overlaps)))
        if duplicate.resolved_event_id and duplicate.decision:
            out.append(Line(here, duplicate.resolved_event_id,
                            decided_line(other, duplicate.decision, duplicate.decided_by)))
    return out


def waiting_words(other: OtherCase, overlaps: Iterable[str]) -> str:
    return (f"Deciding whether one requester made this request and {other.name} (they give "
            f"{shared_words(overlaps)}).")
