"""Where a case stands, how long it has waited, what it waits on; every timeline line."""
from datetime import date, datetime, timedelta, timezone

import pytest

from vod_shared import events as e
from vod_shared.events import EligibilityOutcome, ScreeningOutcome, VisitorRole

from screening.domain.clearances import Clearance
from screening.domain.model import ScreeningCase
from screening.domain.rules import CustodyRecord, determine_eligibility
from screening.domain.stages import Stage, describe_wait, stage_of, waiting_on
from screening.domain.suitability import Findings
from screening.adapters.read_model import CaseVisitor, TimelineEntry
from screening.domain.timeline import DESCRIBE, code, describe
from screening.service_layer.views import case_view

NOW = datetime(2026, 11, 20, 16, tzinfo=timezone.utc)
GOOD = Findings(True, True, False, True)


def case_at(stage: str) -> ScreeningCase:
    case = ScreeningCase("case-1", "AB1234", opened_at=NOW)
    if stage == "needs_review":
        case.decide(determine_eligibility(None), now=NOW)
    if stage in ("awaiting_screening", "approved", "declined"):
        case.decide(determine_eligibility(CustodyRecord("AB1234", e.CustodyStatus.IN_PRISON,
                                                        "SQ")), now=NOW)
    if stage == "approved":
        case.complete_screening(GOOD, ScreeningOutcome.APPROVED, by="rosa", now=NOW)
    if stage == "declined":
        case.complete_screening(Findings(False, True, False, True), ScreeningOutcome.DECLINED,
                                by="rosa", now=NOW)
    return case


@pytest.mark.parametrize("stage", ["needs_review", "awaiting_screening", "approved", "declined"])
def test_the_stage_follows_the_decisions(stage):
    assert stage_of(case_at(stage)) is Stage(stage)


@pytest.mark.parametrize("hours, words", [(0.5, "less than an hour"), (1, "1 hour"),
                                          (47, "47 hours"), (24 * 12 + 5, "12 days")])
def test_how_long_a_case_waited_in_words(hours, words):
    assert describe_wait(timedelta(hours=hours)) == words


def test_an_approved_case_waits_on_scheduling_then_on_clearances_then_facilitators():
    case = case_at("approved")
    nothing_yet = waiting_on(case, facilitators=[], clearances=[], visitors=["v-1"],
                             today=NOW.date())
    assert [w.on for w in nothing_yet] == ["Scheduling", "Screening"]
    pending = Clearance("c-1", "case-1", "v-1", VisitorRole.VICTIM, "SQ", NOW, "rosa")
    waiting = waiting_on(case, facilitators=["f-1"], clearances=[pending],
                         visitors=["v-1", "f-1"], today=NOW.date())
    assert [w.what for w in waiting] == ["1 gate clearance request to decide.",
                                         "Gate clearance for SQ to request for 1 visitor."]
    pending.grant(expires_on=date(2027, 3, 1), by="rosa", now=NOW)
    other = Clearance("c-2", "case-1", "f-1", VisitorRole.FACILITATOR, "SQ", NOW, "rosa")
    other.grant(expires_on=date(2027, 3, 1), by="rosa", now=NOW)
    done = waiting_on(case, facilitators=["f-1"], clearances=[pending, other],
                      visitors=["v-1", "f-1"], today=NOW.date())
    assert [w.on for w in done] == ["Facilitators"]


def test_a_dialogue_set_by_video_waits_on_no_gate_clearance_until_it_is_cancelled():
    case = case_at("approved")
    pending = Clearance("c-1", "case-1", "v-1", VisitorRole.VICTIM, "SQ", NOW, "rosa")

    def line(data: e.EventData, minutes: int) -> TimelineEntry:
        return TimelineEntry("case-1", f"ev-{minutes}", data.type_name(), "/services/scheduling",
                             NOW + timedelta(minutes=minutes), describe(data), code(data))

    def waits(timeline: list[TimelineEntry]) -> list[str]:
        view = case_view(case, requester_name=None, today=NOW.date(), timeline=timeline,
                         visitors=[CaseVisitor("v-1", VisitorRole.VICTIM, None),
                                   CaseVisitor("f-1", VisitorRole.FACILITATOR, "f")],
                         clearances=[pending])
        return [w.what for w in view.waiting]

    def session(venue: e.Venue) -> e.SessionScheduled:
        return e.SessionScheduled(case_id="case-1", session_id="s-1", venue=venue,
                                  starts_at=NOW + timedelta(days=30), facilitator_ids=["f-1"],
                                  facility_code="SQ" if venue is e.Venue.FACILITY else None)

    at_the_prison = ["1 gate clearance request to decide.",
                     "Gate clearance for SQ to request for 1 visitor."]
    assert waits([]) == at_the_prison
    assert waits([line(session(e.Venue.FACILITY), 1)]) == at_the_prison
    by_video = [line(session(e.Venue.VIDEO), 1)]
    assert waits(by_video) == ["Preparing each party, then the joint dialogue."]
    cancelled = e.SessionCancelled(case_id="case-1", session_id="s-1", reason="staff", at=NOW)
    assert waits(by_video + [line(cancelled, 2)]) == at_the_prison


def test_a_paused_case_waits_on_nobody_but_whoever_paused_it():
    case = case_at("needs_review")
    case.pause()
    [waiting] = waiting_on(case, facilitators=[], clearances=[], visitors=[], today=NOW.date())
    assert "paused" in waiting.what


def test_a_declined_case_waits_on_the_facilitators_to_offer_the_indirect_path():
    [waiting] = waiting_on(case_at("declined"), facilitators=[], clearances=[], visitors=[],
                           today=NOW.date())
    assert "indirect path" in waiting.what


def test_a_declined_case_once_closed_by_scheduling_waits_on_nobody():
    case = case_at("declined")
    case.close(now=NOW)  # scheduling's CaseClosed (offender_declined)
    assert stage_of(case) is Stage.CLOSED
    assert waiting_on(case, facilitators=[], clearances=[], visitors=[], today=NOW.date()) == []


def test_every_event_of_a_case_has_a_timeline_line():
    case_events = {model for model in e.registered_types().values()
                   if "case_id" in model.model_fields} - {e.RegistrationReceived,
                                                          e.AuditRecorded}  # a staff entry
    assert case_events <= set(DESCRIBE)
    assert describe(e.PersonErased(person_id="p", at=NOW)) is None
    assert describe(e.EligibilityDetermined(
        case_id="c", outcome=EligibilityOutcome.INELIGIBLE, reason="county_jail",
        cdcr_number="AB1234", decided_by="rosa", decided_at=NOW, ends_case=True)) == (
        "Eligibility: not eligible — In a county jail (decided by rosa); the case ends")
