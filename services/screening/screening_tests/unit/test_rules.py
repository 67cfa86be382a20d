"""The eligibility rule, case by case, as the program states it."""
import pytest

from vod_shared.events import CustodyStatus, EligibilityOutcome

from screening.domain.rules import CustodyRecord, determine_eligibility


def test_in_a_state_prison_is_eligible_with_the_facility():
    answer = determine_eligibility(CustodyRecord("AB1234", CustodyStatus.IN_PRISON, "SQ"))
    assert (answer.outcome, answer.reason, answer.facility_code) == (
        EligibilityOutcome.ELIGIBLE, "in_state_prison", "SQ")


def test_on_parole_from_a_state_prison_is_eligible():
    answer = determine_eligibility(CustodyRecord("AB1234", CustodyStatus.ON_PAROLE))
    assert answer.outcome is EligibilityOutcome.ELIGIBLE and answer.on_parole


@pytest.mark.parametrize("status, reason", [
    (CustodyStatus.COUNTY_JAIL, "county_jail"),
    (CustodyStatus.FEDERAL_CUSTODY, "federal_custody"),
    (CustodyStatus.OUT_OF_STATE, "out_of_state"),
    (CustodyStatus.DISCHARGED, "discharged"),
    (CustodyStatus.DECEASED, "deceased"),
    (CustodyStatus.ESCAPED, "escaped"),
])
def test_anywhere_else_is_not_eligible_with_a_reason(status, reason):
    answer = determine_eligibility(CustodyRecord("AB1234", status))
    assert (answer.outcome, answer.reason) == (EligibilityOutcome.INELIGIBLE, reason)


def test_not_in_the_registry_goes_to_a_person_never_an_automatic_no():
    answer = determine_eligibility(None)
    assert (answer.outcome, answer.reason) == (EligibilityOutcome.NEEDS_REVIEW, "not_in_registry")


def test_every_custody_status_has_an_answer():
    for status in CustodyStatus:
        assert determine_eligibility(CustodyRecord("AB1234", status)).reason


def test_not_eligible_ends_the_case_but_an_escapee_is_decided_again_on_return():
    assert determine_eligibility(CustodyRecord("AB1234", CustodyStatus.DISCHARGED)).ends_the_case
    assert not determine_eligibility(CustodyRecord("AB1234", CustodyStatus.ESCAPED)).ends_the_case
    assert not determine_eligibility(None).ends_the_case


def test_being_in_prison_or_on_parole_never_ends_the_case():
    for status in (CustodyStatus.IN_PRISON, CustodyStatus.ON_PAROLE):
        assert not determine_eligibility(CustodyRecord("AB1234", status, "SQ")).ends_the_case
