"""The program's eligibility rule, as the program states it.

"Offenders must be currently residing in a CA State Prison or on parole from a CA state
Prison." County jail, federal custody, out of state, discharged, deceased or escaped: not
eligible (an escapee is decided again on return to custody). Someone not in the registry is
never refused automatically: a person decides.

While a case is open, the answer follows the offender: when their custody changes so that the
answer would be different (discharged, died, released to parole, transferred, escaped, returned,
or admitted after we had no record of them), the case is decided again.
"""
from dataclasses import dataclass
from datetime import datetime

from vod_shared.events import CustodyStatus, EligibilityOutcome


@dataclass(frozen=True)
class CustodyRecord:
    """Where an offender is, as the custody registry last heard it."""

    cdcr_number: str
    status: CustodyStatus
    facility_code: str | None = None
    effective_at: datetime | None = None


@dataclass(frozen=True)
class Eligibility:
    outcome: EligibilityOutcome
    reason: str
    facility_code: str | None = None
    on_parole: bool = False

    @property
    def ends_the_case(self) -> bool:
        """"Not eligible" ends the case, except for an escape: the program decides an escapee
        again when they are back in custody."""
        return self.outcome is EligibilityOutcome.INELIGIBLE and self.reason != ESCAPED


ESCAPED = "escaped"
INELIGIBLE_BECAUSE = {
    CustodyStatus.COUNTY_JAIL: "county_jail",
    CustodyStatus.FEDERAL_CUSTODY: "federal_custody",
    CustodyStatus.OUT_OF_STATE: "out_of_state",
    CustodyStatus.DISCHARGED: "discharged",
    CustodyStatus.DECEASED: "deceased",
    CustodyStatus.ESCAPED: ESCAPED,
}


def determine_eligibility(custody: CustodyRecord | None) -> Eligibility:
    """In a state prison (with the facility) or on parole from one: eligible. Anywhere else:
    not eligible, with the reason. Not in the registry: a person decides."""
    if custody is None:
        return Eligibility(EligibilityOutcome.NEEDS_REVIEW, "not_in_registry")
    if custody.status is CustodyStatus.IN_PRISON:
        return Eligibility(EligibilityOutcome.ELIGIBLE, "in_state_prison", custody.facility_code)
    if custody.status is CustodyStatus.ON_PAROLE:
        return Eligibility(EligibilityOutcome.ELIGIBLE, "on_state_parole", on_parole=True)
    return Eligibility(EligibilityOutcome.INELIGIBLE, INELIGIBLE_BECAUSE[custody.status])


def answer_changed(before: Eligibility | None, after: Eligibility) -> bool:
    """Whether a new custody status changes what we told the program about a case: the outcome,
    its reason, or the facility (a transfer moves where a dialogue inside would take place, and
    so whose gate clearance is needed). A parole hearing or a name change changes nothing."""
    return before != after
