"""The case's life, told by two producers: intake (the victim acts, or staff for them) on
``vod.intake``, and scheduling (a facilitator, the offender or the director) on ``vod.scheduling``.
The events are the same on both; ``by`` says who acted. Subject: the case id.
"""
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from vod_shared.events.base import EventData


class ActedBy(StrEnum):
    VICTIM = "victim"
    STAFF_FOR_VICTIM = "staff_for_victim"
    FACILITATOR = "facilitator"
    OFFENDER = "offender"
    DIRECTOR = "director"


# Reason codes of the victim's own steps from her page. A withdrawal she asks for there stops
# everything at once as a pause with WITHDRAWAL_PENDING; she may undo it for 7 days (a resume
# with WITHDRAWAL_UNDONE), after which intake announces CaseWithdrawn.
WITHDRAWAL_PENDING = "withdrawal_pending"
WITHDRAWAL_UNDONE = "withdrawal_undone"

# Whom each service speaks for when an event says who acted (``by``): intake for the victim
# (herself, or staff at her request), scheduling for the facilitators, the offender and the
# director. Each topic has one owner, but an owner must not put words in another's mouth: a
# pause "by the victim" on scheduling's topic would send her "your withdrawal is pending".
SPEAKS_FOR = {"intake": frozenset({ActedBy.VICTIM, ActedBy.STAFF_FOR_VICTIM}),
              "scheduling": frozenset({ActedBy.FACILITATOR, ActedBy.OFFENDER, ActedBy.DIRECTOR})}
HERS_ALONE = (WITHDRAWAL_PENDING, WITHDRAWAL_UNDONE)  # reason codes only intake may give


def not_theirs_to_say(source: str, data) -> str | None:
    """Why an event from ``source`` (``/services/<name>``) says what its service may not (who
    acted, or a reason code of the victim's own steps), or None."""
    service = source.removeprefix("/services/")
    by = getattr(data, "by", None)
    if by is not None and by not in SPEAKS_FOR.get(service, ()):
        return f"{service} does not speak for {by.value}"
    if getattr(data, "reason", None) in HERS_ALONE and service != "intake":
        return f"{service} gives no reason {data.reason}"
    return None

# Reason codes of a CaseClosed that scheduling announces when the suitability screening did not
# approve the case: the offender declined (``by: offender``), or another finding stood against
# it. The victim is told the same careful words for both, never the offender's reasons.
CLOSED_OFFENDER_DECLINED = "offender_declined"
CLOSED_NOT_SUITABLE = "not_suitable"
SCREENING_DECLINED = (CLOSED_OFFENDER_DECLINED, CLOSED_NOT_SUITABLE)


class _CaseStep(EventData):
    case_id: str
    by: ActedBy
    # A reason code only (staff's own words stay sealed in the owning service's store;
    # tests/e2e/test_no_personal_data_on_topics.py plants a word in one and finds it on no
    # topic); the victim's choice needs no reason.
    reason: str | None = None
    at: datetime


class CasePaused(_CaseStep):
    event_name: ClassVar[str] = "CasePaused"


class CaseResumed(_CaseStep):
    event_name: ClassVar[str] = "CaseResumed"


class CaseWithdrawn(_CaseStep):
    event_name: ClassVar[str] = "CaseWithdrawn"


class CaseClosed(EventData):
    event_name: ClassVar[str] = "CaseClosed"

    case_id: str
    reason: str
    at: datetime
    # Who ended it, when a person did (a death or a discharge closes a case by itself).
    by: ActedBy | None = None
