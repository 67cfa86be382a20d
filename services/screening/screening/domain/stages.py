"""Where a case stands in screening, how long it has waited, and what it is waiting on."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from vod_shared.events import EligibilityOutcome

from screening.domain.clearances import Clearance, ClearanceStatus
from screening.domain.model import CaseStatus, ScreeningCase
from screening.domain.rules import ESCAPED


class Stage(StrEnum):
    AWAITING_ELIGIBILITY = "awaiting_eligibility"
    NEEDS_REVIEW = "needs_review"
    AWAITING_SCREENING = "awaiting_screening"
    APPROVED = "approved"
    DECLINED = "declined"
    AWAITING_RETURN = "awaiting_return"  # escaped: decided again on return to custody
    INELIGIBLE = "ineligible"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


# What the work queue holds: the cases waiting on a screener.
QUEUE_STAGES = (Stage.NEEDS_REVIEW, Stage.AWAITING_SCREENING)
ENDED = {CaseStatus.WITHDRAWN: Stage.WITHDRAWN, CaseStatus.CLOSED: Stage.CLOSED,
         CaseStatus.INELIGIBLE: Stage.INELIGIBLE}


def stage_of(case: ScreeningCase) -> Stage:
    if case.status in ENDED:
        return ENDED[case.status]
    if case.eligibility is None:
        return Stage.AWAITING_ELIGIBILITY
    outcome = case.eligibility.outcome
    if outcome is EligibilityOutcome.NEEDS_REVIEW:
        return Stage.NEEDS_REVIEW
    if outcome is EligibilityOutcome.INELIGIBLE:
        return Stage.AWAITING_RETURN if case.eligibility.reason == ESCAPED else Stage.INELIGIBLE
    if case.suitability is None:
        return Stage.AWAITING_SCREENING
    return Stage.APPROVED if case.suitability.approved else Stage.DECLINED


def describe_wait(waited: timedelta) -> str:
    """``3 days``, ``5 hours``, ``less than an hour``: how long, in a person's words."""
    hours = int(waited.total_seconds() // 3600)
    if hours < 1:
        return "less than an hour"
    if hours < 48:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{hours // 24} days"


@dataclass(frozen=True)
class QueueEntry:
    case_id: str
    reference: str | None
    cdcr_number: str
    stage: Stage
    waiting_since: datetime
    facility_code: str | None
    paused: bool
    # The cases it may duplicate, still waiting for a person to decide (``duplicates``).
    duplicate_of: tuple = ()

    def waited(self, now: datetime) -> timedelta:
        return max(now - self.waiting_since, timedelta(0))


@dataclass(frozen=True)
class Waiting:
    on: str    # who must act next
    what: str  # what they must do


def waiting_on(case: ScreeningCase, *, facilitators: list[str], clearances: list[Clearance],
               visitors: list[str], today: date, by_video: bool = False) -> list[Waiting]:
    """What the case is waiting on, and on whom; empty when nothing is left to anyone.
    ``by_video``: the joint dialogue is set by video, so no one waits on a gate clearance."""
    stage = stage_of(case)
    if case.status in ENDED:
        return []
    if case.paused:
        return [Waiting("Whoever paused it", "The case is paused: nothing moves until it is "
                                             "resumed.")]
    simple = {
        Stage.AWAITING_ELIGIBILITY: Waiting("Screening", "The eligibility decision."),
        Stage.NEEDS_REVIEW: Waiting("Screening", "A decision by hand: the offender is not in "
                                                 "the custody registry."),
        Stage.AWAITING_SCREENING: Waiting("Screening", "The suitability screening."),
        Stage.AWAITING_RETURN: Waiting("The corrections department",
                                       "The offender's return to custody (escaped)."),
    }
    if stage is Stage.DECLINED:
        offered = case.suitability.indirect_path_offered
        return [Waiting("Facilitators", "Offering the victim the indirect path: a letter, or "
                                        "the accountability letter bank.")] if offered else []
    if stage in simple:
        return [simple[stage]] if simple[stage] else []
    return _after_approval(case, facilitators, clearances, visitors, today, by_video)


def _after_approval(case: ScreeningCase, facilitators: list[str], clearances: list[Clearance],
                    visitors: list[str], today: date, by_video: bool) -> list[Waiting]:
    waiting = []
    if not facilitators:
        waiting.append(Waiting("Scheduling", "Assigning one or two facilitators."))
    facility = case.eligibility.facility_code
    if facility and not by_video:
        pending = [c for c in clearances if c.status is ClearanceStatus.REQUESTED]
        held = {c.visitor_id for c in clearances if c.facility_code == facility and (
            c.status is ClearanceStatus.REQUESTED or c.holds_on(today))}
        if pending:
            waiting.append(Waiting("Screening", f"{len(pending)} gate clearance request"
                                                f"{'s' if len(pending) != 1 else ''} to decide."))
        missing = [v for v in visitors if v not in held]
        if missing:
            waiting.append(Waiting("Screening", f"Gate clearance for {facility} to request for "
                                                f"{len(missing)} visitor"
                                                f"{'s' if len(missing) != 1 else ''}."))
    if not waiting:
        waiting.append(Waiting("Facilitators", "Preparing each party, then the joint dialogue."))
    return waiting
