"""Deciding by hand a case the custody registry could not answer (``needs_review``).

A person checks where the offender is and says so: in a California state prison (which one),
on parole from one, or somewhere that makes them not eligible. The answer is the same kind of
answer the registry would have given, so a later custody report that agrees changes nothing.
"""
from vod_shared.events import EligibilityOutcome

from screening.domain.errors import InvalidDecision
from screening.domain.rules import ESCAPED, Eligibility

IN_STATE_PRISON = "in_state_prison"
ON_STATE_PAROLE = "on_state_parole"

# Reason codes a screener may give, with the words staff see.
ELIGIBLE_BECAUSE = {
    IN_STATE_PRISON: "In a California state prison",
    ON_STATE_PAROLE: "On parole from a California state prison",
}
INELIGIBLE_BECAUSE = {
    "county_jail": "In a county jail",
    "federal_custody": "In federal custody",
    "out_of_state": "In another state's custody",
    "discharged": "Discharged: no longer in prison or on parole",
    "deceased": "Deceased",
    ESCAPED: "Escaped (decided again on return to custody)",
    "not_cdcr_offender": "Never in CDCR custody (no such person)",
}
REASONS = {EligibilityOutcome.ELIGIBLE: ELIGIBLE_BECAUSE,
           EligibilityOutcome.INELIGIBLE: INELIGIBLE_BECAUSE}


def by_hand(outcome: EligibilityOutcome, reason: str, facility_code: str | None) -> Eligibility:
    """The screener's answer, checked: a reason that fits the outcome, and the facility exactly
    when the offender is in a prison."""
    if outcome not in REASONS:
        raise InvalidDecision("Choose eligible or not eligible.", field="outcome")
    outcome = EligibilityOutcome(outcome)
    if reason not in REASONS[outcome]:
        raise InvalidDecision(f"Choose one of the reasons for {_words(outcome)}.", field="reason")
    facility_code = (facility_code or "").strip().upper() or None
    if reason == IN_STATE_PRISON and not facility_code:
        raise InvalidDecision("Say which prison: the facility's code, such as SQ.",
                              field="facility_code")
    if reason != IN_STATE_PRISON:
        facility_code = None  # whatever was typed does not apply outside a prison
    return Eligibility(outcome, reason, facility_code, on_parole=reason == ON_STATE_PAROLE)


def _words(outcome: EligibilityOutcome) -> str:
    return "eligible" if outcome is EligibilityOutcome.ELIGIBLE else "not eligible"
