"""The program's eligibility rule, as the program states it.

"Offenders must be currently residing in a CA State Prison or on parole from a CA state
Prison." County jail, federal custody, out of state, discharged, deceased or escaped: not
eligible (an escapee is decided again on return to custody). Someone not in the registry is
never refused automatically: a person decides.
"""
from dataclasses import dataclass

from vod_shared.events import CustodyStatus, EligibilityOutcome


@dataclass(frozen=True)
class CustodyRecord:
    cdcr_number: str
    status: CustodyStatus
    facility_code: str | None = None


@dataclass(frozen=True)
class Eligibility:
    outcome: EligibilityOutcome
    reason: str
    facility_code: str | None = None
    on_parole: bool = False


INELIGIBLE_BECAUSE = {
    CustodyStatus.COUNTY_JAIL: "county_jail",
    CustodyStatus.FEDERAL_CUSTODY: "federal_custody",
    CustodyStatus.OUT_OF_STATE: "out_of_state",
    CustodyStatus.DISCHARGED: "discharged",
    CustodyStatus.DECEASED: "deceased",
    CustodyStatus.ESCAPED: "escaped",
}


def determine_eligibility(custody: CustodyRecord | None) -> Eligibility:
    if custody is None:
        return Eligibility(EligibilityOutcome.NEEDS_REVIEW, "not_in_registry")
    if custody.status is CustodyStatus.IN_PRISON:
        return Eligibility(EligibilityOutcome.ELIGIBLE, "in_state_prison", custody.facility_code)
    if custody.status is CustodyStatus.ON_PAROLE:
        return Eligibility(EligibilityOutcome.ELIGIBLE, "on_state_parole", on_parole=True)
    return Eligibility(EligibilityOutcome.INELIGIBLE, INELIGIBLE_BECAUSE[custody.status])
