"""The suitability screening: will this dialogue be safe and meaningful?

The offender takes part only of their own free will and must acknowledge responsibility; there
must be no safety concern; the victim must be ready. A screener records each finding and
decides: approved only when all four hold, declined with the findings that stand against it.
If the offender declines, the victim is offered an indirect path instead: a letter, or the
accountability letter bank. There is no agreement to record: this is not mediation.
"""
from dataclasses import dataclass
from datetime import datetime

from vod_shared.events import ScreeningOutcome

from screening.domain.errors import InvalidDecision

OFFENDER_DECLINED = "offender_declined"
# Reason codes (as published) with the words staff see, in the order they are checked.
REASONS = {
    OFFENDER_DECLINED: "The offender does not take part of their own free will",
    "no_acknowledgement_of_responsibility": "The offender does not acknowledge responsibility",
    "safety_concerns": "There are safety concerns",
    "victim_not_ready": "The victim is not ready",
}
# Which finding each reason comes from (the field a form or a tool corrects).
FINDING_OF = {
    OFFENDER_DECLINED: "offender_consents",
    "no_acknowledgement_of_responsibility": "offender_acknowledges_responsibility",
    "safety_concerns": "safety_concerns",
    "victim_not_ready": "victim_ready",
}


@dataclass(frozen=True)
class Findings:
    offender_consents: bool
    offender_acknowledges_responsibility: bool
    safety_concerns: bool
    victim_ready: bool

    def against(self) -> list[str]:
        """The reason codes of the findings that stand against a dialogue."""
        failed = {
            OFFENDER_DECLINED: not self.offender_consents,
            "no_acknowledgement_of_responsibility": not self.offender_acknowledges_responsibility,
            "safety_concerns": self.safety_concerns,
            "victim_not_ready": not self.victim_ready,
        }
        return [code for code in REASONS if failed[code]]


@dataclass(frozen=True)
class Suitability:
    outcome: ScreeningOutcome
    findings: Findings
    reasons: tuple[str, ...]
    indirect_path_offered: bool
    decided_by: str
    decided_at: datetime

    @property
    def approved(self) -> bool:
        return self.outcome is ScreeningOutcome.APPROVED


def decide_suitability(findings: Findings, outcome: ScreeningOutcome, *, by: str,
                       now: datetime) -> Suitability:
    """The screener's decision, checked against their own findings."""
    against = findings.against()
    if outcome is ScreeningOutcome.APPROVED and against:
        raise InvalidDecision("An approval needs all four: the offender's free consent, their "
                              "acknowledgement of responsibility, no safety concern, and the "
                              "victim ready. " + REASONS[against[0]] + ".",
                              field=FINDING_OF[against[0]])
    if outcome is ScreeningOutcome.DECLINED and not against:
        raise InvalidDecision("A decline needs its reasons: record which finding stands "
                              "against the dialogue.", field="outcome")
    declined = outcome is ScreeningOutcome.DECLINED
    return Suitability(outcome, findings, tuple(against) if declined else (),
                       indirect_path_offered=declined and not findings.offender_consents,
                       decided_by=by, decided_at=now)
