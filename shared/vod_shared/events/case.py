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
