"""Decisions by hand, in the program's words: a needs_review case decided by a screener, and
the suitability screening."""
from dataclasses import fields
from datetime import datetime, timedelta, timezone

import pytest

from vod_shared.events import (
    CustodyStatus,
    EligibilityOutcome,
    ScreeningCompleted,
    ScreeningOutcome,
)

from screening.domain.errors import InvalidDecision, NotNow
from screening.domain.model import CaseStatus, ScreeningCase
from screening.domain.rules import CustodyRecord, determine_eligibility
from screening.domain.suitability import Findings

NOW = datetime(2026, 11, 20, 16, tzinfo=timezone.utc)
ELIGIBLE, INELIGIBLE = EligibilityOutcome.ELIGIBLE, EligibilityOutcome.INELIGIBLE
APPROVED, DECLINED = ScreeningOutcome.APPROVED, ScreeningOutcome.DECLINED
ALL_GOOD = Findings(offender_consents=True, offender_acknowledges_responsibility=True,
                    safety_concerns=False, victim_ready=True)


def case_in_review() -> ScreeningCase:
    case = ScreeningCase("case-1", "AB1234", opened_at=NOW - timedelta(days=3))
    case.decide(determine_eligibility(None), now=NOW - timedelta(days=3))
    case.events.clear()
    return case


def eligible_case() -> ScreeningCase:
    case = case_in_review()
    case.resolve_review(ELIGIBLE, "in_state_prison", "sq", by="rosa", now=NOW)
    case.events.clear()
    return case


def test_a_screener_finds_the_offender_in_a_state_prison():
    case = case_in_review()
    case.resolve_review(ELIGIBLE, "in_state_prison", " sq ", by="rosa", now=NOW)
    [decision] = case.events
    assert (decision.outcome, decision.reason, decision.facility_code) == (
        ELIGIBLE, "in_state_prison", "SQ")
    assert (decision.decided_by, decision.decided_at, decision.ends_case) == ("rosa", NOW, False)
    assert case.is_open and case.is_eligible


def test_on_parole_needs_no_facility_and_says_so():
    case = case_in_review()
    case.resolve_review(ELIGIBLE, "on_state_parole", "SQ", by="rosa", now=NOW)
    [decision] = case.events
    assert decision.on_parole and decision.facility_code is None


def test_not_eligible_by_hand_ends_the_case_with_its_reason():
    case = case_in_review()
    case.resolve_review(INELIGIBLE, "county_jail", None, by="rosa", now=NOW)
    [decision] = case.events
    assert (decision.outcome, decision.reason, decision.ends_case) == (
        INELIGIBLE, "county_jail", True)
    assert case.status is CaseStatus.INELIGIBLE


def test_an_escapee_decided_by_hand_waits_for_the_return():
    case = case_in_review()
    case.resolve_review(INELIGIBLE, "escaped", None, by="rosa", now=NOW)
    assert case.is_open and not case.events[0].ends_case


@pytest.mark.parametrize("outcome, reason, facility, field", [
    (ELIGIBLE, "in_state_prison", None, "facility_code"),
    (ELIGIBLE, "county_jail", None, "reason"),
    (INELIGIBLE, "in_state_prison", "SQ", "reason"),
    (EligibilityOutcome.NEEDS_REVIEW, "not_in_registry", None, "outcome"),
])
def test_a_decision_that_does_not_hold_together_names_what_to_correct(
        outcome, reason, facility, field):
    case = case_in_review()
    with pytest.raises(InvalidDecision) as refused:
        case.resolve_review(outcome, reason, facility, by="rosa", now=NOW)
    assert refused.value.field == field and case.events == [] and case.needs_review


def test_only_a_case_in_review_is_decided_by_hand():
    case = ScreeningCase("case-1", "AB1234", opened_at=NOW)
    in_prison = CustodyRecord("AB1234", CustodyStatus.IN_PRISON, "SQ")
    case.decide(determine_eligibility(in_prison), now=NOW)
    with pytest.raises(NotNow):
        case.resolve_review(INELIGIBLE, "deceased", None, by="rosa", now=NOW)


@pytest.mark.parametrize("step", ["pause", "withdraw"])
def test_a_paused_or_ended_case_is_not_decided(step):
    case = case_in_review()
    case.pause() if step == "pause" else case.withdraw(now=NOW)
    with pytest.raises(NotNow):
        case.resolve_review(ELIGIBLE, "on_state_parole", None, by="rosa", now=NOW)
    case.resume()
    if step == "pause":
        case.resolve_review(ELIGIBLE, "on_state_parole", None, by="rosa", now=NOW)


def test_a_screening_with_every_finding_good_is_approved():
    case = eligible_case()
    case.complete_screening(ALL_GOOD, APPROVED, by="rosa", now=NOW)
    [done] = case.events
    assert isinstance(done, ScreeningCompleted)
    assert (done.outcome, done.reasons, done.indirect_path_offered, done.decided_by) == (
        APPROVED, [], False, "rosa")


def test_when_the_offender_declines_the_victim_is_offered_the_indirect_path():
    case = eligible_case()
    findings = Findings(offender_consents=False, offender_acknowledges_responsibility=True,
                        safety_concerns=False, victim_ready=True)
    case.complete_screening(findings, DECLINED, by="rosa", now=NOW)
    [done] = case.events
    assert (done.outcome, done.reasons, done.indirect_path_offered) == (
        DECLINED, ["offender_declined"], True)


def test_a_decline_for_other_reasons_gives_every_one_and_no_indirect_path():
    case = eligible_case()
    findings = Findings(offender_consents=True, offender_acknowledges_responsibility=False,
                        safety_concerns=True, victim_ready=False)
    case.complete_screening(findings, DECLINED, by="rosa", now=NOW)
    [done] = case.events
    assert done.reasons == ["no_acknowledgement_of_responsibility", "safety_concerns",
                            "victim_not_ready"]
    assert done.indirect_path_offered is False


@pytest.mark.parametrize("finding, field", [
    ({"offender_consents": False}, "offender_consents"),
    ({"offender_acknowledges_responsibility": False}, "offender_acknowledges_responsibility"),
    ({"safety_concerns": True}, "safety_concerns"),
    ({"victim_ready": False}, "victim_ready"),
])
def test_an_approval_needs_all_four_findings(finding, field):
    case = eligible_case()
    findings = Findings(**{**ALL_GOOD.__dict__, **finding})
    with pytest.raises(InvalidDecision) as refused:
        case.complete_screening(findings, APPROVED, by="rosa", now=NOW)
    assert refused.value.field == field and case.suitability is None


def test_a_decline_needs_a_reason():
    with pytest.raises(InvalidDecision) as refused:
        eligible_case().complete_screening(ALL_GOOD, DECLINED, by="rosa", now=NOW)
    assert refused.value.field == "outcome"


def test_a_case_is_screened_once_and_only_when_eligible():
    case = eligible_case()
    case.complete_screening(ALL_GOOD, APPROVED, by="rosa", now=NOW)
    with pytest.raises(NotNow):
        case.complete_screening(ALL_GOOD, APPROVED, by="rosa", now=NOW)
    with pytest.raises(NotNow):
        case_in_review().complete_screening(ALL_GOOD, APPROVED, by="rosa", now=NOW)


def test_there_is_no_agreement_anywhere_this_is_not_mediation():
    names = {f.name for f in fields(Findings)} | set(ScreeningCompleted.model_fields)
    assert not [name for name in names if "agree" in name or "settle" in name]
