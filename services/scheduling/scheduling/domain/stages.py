"""Where a case stands, in the order a case moves through them."""
from enum import StrEnum


class Stage(StrEnum):
    AWAITING_SCREENING = "awaiting_screening"
    NEEDS_REVIEW = "needs_review"
    AWAITING_SUITABILITY = "awaiting_suitability"
    WAITING_FOR_FACILITATOR = "waiting_for_facilitator"
    PREPARATION = "preparation"
    DIALOGUE_SCHEDULED = "dialogue_scheduled"
    FOLLOW_UP = "follow_up"
    NOT_ELIGIBLE = "not_eligible"
    NOT_SUITABLE = "not_suitable"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


ENDED = frozenset({Stage.NOT_ELIGIBLE, Stage.NOT_SUITABLE, Stage.WITHDRAWN, Stage.CLOSED})
BEFORE_ASSIGNMENT = (Stage.AWAITING_SCREENING, Stage.NEEDS_REVIEW, Stage.AWAITING_SUITABILITY)
VICTIM = "victim"  # the victim's own hold, whether they or staff for them asked
CUSTODY = "custody"  # the offender is, for now, where no dialogue can happen
