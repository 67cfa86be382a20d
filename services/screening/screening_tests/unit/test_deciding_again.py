"""While a case is open, the answer follows the offender's custody: each change that would
change the answer decides the case again; anything else changes nothing."""
from datetime import datetime, timedelta, timezone

import pytest

from vod_shared.events import CustodyStatus, EligibilityDetermined, EligibilityOutcome

from screening.domain.model import CaseStatus, ScreeningCase
from screening.domain.rules import CustodyRecord, answer_changed, determine_eligibility

NOW = datetime(2026, 11, 20, 16, tzinfo=timezone.utc)
IN_SAN_QUENTIN = CustodyRecord("AB1234", CustodyStatus.IN_PRISON, "SQ")
ON_PAROLE = CustodyRecord("AB1234", CustodyStatus.ON_PAROLE)


def case_decided_with(custody: CustodyRecord | None) -> ScreeningCase:
    case = ScreeningCase("case-1", "AB1234", opened_at=NOW - timedelta(days=30))
    case.decide(determine_eligibility(custody), now=NOW - timedelta(days=30))
    case.events.clear()
    return case


def decided_again(case: ScreeningCase,
                  custody: CustodyRecord | None) -> EligibilityDetermined | None:
    if not case.reconsider(custody, now=NOW):
        assert case.events == []
        return None
    [decision] = case.events
    return decision


@pytest.mark.parametrize("before, after, outcome, reason", [
    (ON_PAROLE, CustodyRecord("AB1234", CustodyStatus.DISCHARGED), "ineligible", "discharged"),
    (IN_SAN_QUENTIN, CustodyRecord("AB1234", CustodyStatus.DECEASED), "ineligible", "deceased"),
    (IN_SAN_QUENTIN, ON_PAROLE, "eligible", "on_state_parole"),
    (None, IN_SAN_QUENTIN, "eligible", "in_state_prison"),
    (IN_SAN_QUENTIN, CustodyRecord("AB1234", CustodyStatus.ESCAPED), "ineligible", "escaped"),
    (IN_SAN_QUENTIN, CustodyRecord("AB1234", CustodyStatus.COUNTY_JAIL), "ineligible",
     "county_jail"),
])
def test_a_custody_change_that_changes_the_answer_decides_an_open_case_again(
        before, after, outcome, reason):
    decision = decided_again(case_decided_with(before), after)
    assert (decision.outcome, decision.reason) == (outcome, reason)
    assert decision.case_id == "case-1" and decision.decided_at == NOW


def test_an_escapee_back_in_custody_is_decided_again():
    case = case_decided_with(IN_SAN_QUENTIN)
    decided_again(case, CustodyRecord("AB1234", CustodyStatus.ESCAPED))
    assert case.is_open
    case.events.clear()
    decision = decided_again(case, CustodyRecord("AB1234", CustodyStatus.IN_PRISON, "CMF"))
    assert (decision.outcome, decision.facility_code) == ("eligible", "CMF")


def test_a_transfer_to_another_prison_is_told_with_the_new_facility():
    decision = decided_again(case_decided_with(IN_SAN_QUENTIN),
                             CustodyRecord("AB1234", CustodyStatus.IN_PRISON, "CMF"))
    assert (decision.outcome, decision.facility_code) == ("eligible", "CMF")


def test_a_change_that_leaves_the_answer_as_it_was_decides_nothing():
    # a parole hearing, a name change, a contract: still in the same prison
    assert decided_again(case_decided_with(IN_SAN_QUENTIN), IN_SAN_QUENTIN) is None
    assert decided_again(case_decided_with(ON_PAROLE), ON_PAROLE) is None


def test_not_eligible_ends_the_case_and_nothing_is_decided_after():
    case = case_decided_with(ON_PAROLE)
    decided_again(case, CustodyRecord("AB1234", CustodyStatus.DISCHARGED))
    assert case.status is CaseStatus.INELIGIBLE and case.ended_at == NOW
    case.events.clear()
    assert decided_again(case, IN_SAN_QUENTIN) is None


def test_a_withdrawn_case_is_not_decided_again():
    case = case_decided_with(ON_PAROLE)
    case.withdraw(now=NOW)
    assert decided_again(case, CustodyRecord("AB1234", CustodyStatus.DECEASED)) is None
    assert case.status is CaseStatus.WITHDRAWN


def test_a_closed_case_is_not_decided_again():
    case = case_decided_with(IN_SAN_QUENTIN)
    case.close(now=NOW)
    assert decided_again(case, ON_PAROLE) is None


def test_a_case_that_has_ended_stays_ended_the_way_it_ended():
    case = case_decided_with(CustodyRecord("AB1234", CustodyStatus.COUNTY_JAIL))
    case.withdraw(now=NOW)
    assert case.status is CaseStatus.INELIGIBLE


def test_the_answer_changes_with_the_outcome_the_reason_or_the_facility():
    eligible_in_sq = determine_eligibility(IN_SAN_QUENTIN)
    assert answer_changed(None, eligible_in_sq)
    assert not answer_changed(eligible_in_sq, determine_eligibility(IN_SAN_QUENTIN))
    assert answer_changed(eligible_in_sq, determine_eligibility(ON_PAROLE))
    assert answer_changed(eligible_in_sq, determine_eligibility(
        CustodyRecord("AB1234", CustodyStatus.IN_PRISON, "CMF")))
    assert answer_changed(determine_eligibility(None), eligible_in_sq)
    assert determine_eligibility(ON_PAROLE).outcome is EligibilityOutcome.ELIGIBLE
