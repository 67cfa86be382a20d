"""The offender's custody changes the dialogue: a transfer cancels it at the old facility and
asks for new clearance, a release moves it to the community, a death or a discharge closes the
case, an escape holds it until the return; screening voiding a clearance (the offender left
that facility) flags a dialogue there."""
from datetime import date, datetime, timedelta

import pytest

from vod_shared.events import (
    ActedBy,
    CaseClosed,
    ClearanceRequested,
    CustodyStatus,
    EligibilityOutcome,
    MeetingMode,
    Party,
    SessionCancelled,
    SessionScheduled,
    Venue,
    VisitorRole,
)

from scheduling.domain.clearances import Clearance
from scheduling.domain.errors import NotReadyForDialogue
from scheduling.domain.model import Case
from scheduling.domain.stages import Stage
from scheduling_tests.builders import Clock, facilitator, facility, grant, hours_of, pacific, slot


def ready_case_with_a_dialogue(clock: Clock) -> Case:
    """A case with a dialogue at SQ on 12 May, both parties ready, everyone cleared."""
    lead = facilitator("lead")
    hours = hours_of(lead)
    case = Case.open("case-c", "AB1234", clock())
    case.request_received(victim_id="victim-1", language="en", travel_offered=False, now=clock())
    case.eligibility_decided(EligibilityOutcome.ELIGIBLE, reason="in_state_prison",
                             ends_case=False, facility_code="SQ", on_parole=False,
                             now=clock())
    case.screening_completed(approved=True, now=clock())
    case.assign((lead.facilitator_id,), now=clock())
    for n, party in enumerate(Party):
        when = slot(clock() + timedelta(days=1, hours=n * 2))
        case.schedule_meeting(meeting_id=f"m{n}", party=party, mode=MeetingMode.PHONE, when=when,
                              place=None, now=clock(), commitments=[], hours=hours)
    clock.advance(days=2)
    for n, party in enumerate(Party):
        case.meeting_held(f"m{n}", outcome="ok", now=clock())
        case.mark_ready(party, now=clock())
    for visitor, role in (("victim-1", VisitorRole.VICTIM), (lead.facilitator_id, VisitorRole.FACILITATOR)):
        case.clearance_decided(grant(visitor, role, expires_on=date(2026, 12, 31), at=clock()),
                               now=clock())
    case.schedule_session(session_id="s-1", when=slot(pacific(2026, 5, 12, 10), 3),
                          venue=Venue.FACILITY, place=None, facility=facility("SQ"), now=clock(),
                          commitments=[], hours=hours)
    case.events.clear()
    case.alerts.clear()
    return case


def changed(case: Case, clock: Clock, status: CustodyStatus, facility_code: str | None = None,
            at: datetime | None = None) -> list:
    case.custody_changed(status=status, facility_code=facility_code,
                         effective_at=at or clock(), now=clock())
    events, case.events = case.events, []
    return events


def test_a_transfer_cancels_the_dialogue_at_the_old_facility_and_asks_for_new_clearance():
    clock = Clock(pacific(2026, 4, 1))
    case = ready_case_with_a_dialogue(clock)
    cancelled, asked = changed(case, clock, CustodyStatus.IN_PRISON, "CMF")
    assert isinstance(cancelled, SessionCancelled) and cancelled.reason == "offender_transferred"
    assert isinstance(asked, ClearanceRequested) and asked.facility_code == "CMF"
    assert asked.victim_id == "victim-1" and asked.facilitator_ids == list(case.facilitator_ids)
    assert case.stage is Stage.PREPARATION and case.facility_code == "CMF"
    assert [a.kind for a in case.alerts] == ["session_cancelled"]
    # The old facility's clearances do not carry over.
    assert "no gate clearance for CMF" in " ".join(
        case.venue_problems(Venue.FACILITY, slot(pacific(2026, 5, 12, 10), 3), facility("CMF")))


def test_a_release_to_parole_moves_the_dialogue_to_the_community_at_the_same_time():
    clock = Clock(pacific(2026, 4, 1))
    case = ready_case_with_a_dialogue(clock)
    [moved] = changed(case, clock, CustodyStatus.ON_PAROLE)
    assert isinstance(moved, SessionScheduled)
    assert (moved.venue, moved.facility_code, moved.sequence) == (Venue.COMMUNITY, None, 1)
    assert moved.starts_at == pacific(2026, 5, 12, 10)
    assert [a.kind for a in case.alerts] == ["venue_moved"]


def test_a_death_closes_the_case_with_that_reason():
    clock = Clock(pacific(2026, 4, 1))
    case = ready_case_with_a_dialogue(clock)
    cancelled, closed = changed(case, clock, CustodyStatus.DECEASED)
    assert isinstance(cancelled, SessionCancelled)
    assert isinstance(closed, CaseClosed) and closed.reason == "offender_deceased"
    assert closed.by is None and case.stage is Stage.CLOSED
    assert changed(case, clock, CustodyStatus.DISCHARGED) == []  # closed once


def test_a_discharge_closes_even_a_case_screening_already_found_ineligible():
    clock = Clock(pacific(2026, 4, 1))
    case = Case.open("case-d", "AB1234", clock())
    case.eligibility_decided(EligibilityOutcome.INELIGIBLE, reason="discharged", ends_case=True,
                             facility_code=None, on_parole=False, now=clock())
    assert case.stage is Stage.NOT_ELIGIBLE
    [closed] = changed(case, clock, CustodyStatus.DISCHARGED)
    assert closed.reason == "offender_discharged"


def test_an_escape_holds_the_case_and_the_return_lifts_the_hold():
    clock = Clock(pacific(2026, 4, 1))
    case = ready_case_with_a_dialogue(clock)
    [cancelled] = changed(case, clock, CustodyStatus.ESCAPED)
    assert isinstance(cancelled, SessionCancelled) and case.is_paused
    clock.advance(days=20)
    assert changed(case, clock, CustodyStatus.IN_PRISON, "SQ") == []
    assert not case.is_paused and case.stage is Stage.PREPARATION
    assert [a.kind for a in case.alerts] == ["offender_unavailable", "case_resumed"]


def test_older_custody_news_does_not_undo_newer():
    clock = Clock(pacific(2026, 4, 1))
    case = ready_case_with_a_dialogue(clock)
    changed(case, clock, CustodyStatus.IN_PRISON, "CMF")
    assert changed(case, clock, CustodyStatus.IN_PRISON, "SQ", at=clock() - timedelta(days=9)) == []
    assert case.facility_code == "CMF"


def test_a_withdrawn_case_ignores_custody_and_a_victim_hold_survives_a_return():
    clock = Clock(pacific(2026, 4, 1))
    case = ready_case_with_a_dialogue(clock)
    case.pause(by=ActedBy.STAFF_FOR_VICTIM, reason=None, now=clock(), announce=False)
    changed(case, clock, CustodyStatus.ESCAPED)
    changed(case, clock, CustodyStatus.IN_PRISON, "SQ")
    assert case.is_paused and set(case.holds) == {"victim"}
    case.withdraw(clock())
    assert changed(case, clock, CustodyStatus.DECEASED) == []


def test_a_parolee_back_in_prison_loses_the_community_dialogue_and_clearance_is_asked():
    clock = Clock(pacific(2026, 4, 1))
    case = ready_case_with_a_dialogue(clock)
    changed(case, clock, CustodyStatus.ON_PAROLE)
    assert changed(case, clock, CustodyStatus.ON_PAROLE) == []  # no news is no news
    case.alerts.clear()
    cancelled, asked = changed(case, clock, CustodyStatus.IN_PRISON, "CMF")
    assert isinstance(cancelled, SessionCancelled) and asked.facility_code == "CMF"
    assert case.facility_code == "CMF" and not case.on_parole


def test_an_escapee_returned_elsewhere_needs_clearance_there():
    clock = Clock(pacific(2026, 4, 1))
    case = ready_case_with_a_dialogue(clock)
    changed(case, clock, CustodyStatus.ESCAPED)
    clock.advance(days=30)
    [asked] = changed(case, clock, CustodyStatus.IN_PRISON, "CMF")
    assert isinstance(asked, ClearanceRequested) and asked.facility_code == "CMF"
    assert not case.is_paused


def void(visitor_id: str, role: VisitorRole, clock: Clock, facility_code: str = "SQ") -> Clearance:
    return Clearance.void(f"cl-{visitor_id}-{facility_code}", visitor_id, role, facility_code,
                          reason="offender_transferred", at=clock())


def test_a_voided_clearance_flags_the_dialogue_there_as_needing_new_clearance():
    """Screening heard of the transfer first and voided the victim's clearance for SQ: the
    dialogue at SQ is flagged, as for a denial; the transfer itself then cancels it."""
    clock = Clock(pacific(2026, 4, 1))
    case = ready_case_with_a_dialogue(clock)
    case.clearance_decided(void("victim-1", VisitorRole.VICTIM, clock), now=clock())
    assert case.events == []  # nothing is announced: staff act on it
    [alert] = case.alerts
    assert alert.kind == "clearance_lapsed"
    assert "victim victim-1's gate clearance for SQ is void (offender transferred)" in alert.detail
    assert "new gate clearance is needed" in alert.detail
    problems = case.venue_problems(Venue.FACILITY, slot(pacific(2026, 5, 14, 10), 3),
                                   facility("SQ"))
    assert any("is void" in p for p in problems)
    cancelled, asked = changed(case, clock, CustodyStatus.IN_PRISON, "CMF")
    assert isinstance(cancelled, SessionCancelled) and asked.facility_code == "CMF"


def test_a_voided_clearance_blocks_a_dialogue_at_that_facility_but_not_by_video():
    clock = Clock(pacific(2026, 4, 1))
    case = ready_case_with_a_dialogue(clock)
    case.cancel_session(reason="staff", now=clock())
    case.clearance_decided(void(case.facilitator_ids[0], VisitorRole.FACILITATOR, clock),
                           now=clock())
    assert case.alerts == []  # no dialogue depends on it now
    when = slot(pacific(2026, 5, 14, 10), 3)
    with pytest.raises(NotReadyForDialogue) as refused:
        case.schedule_session(session_id="s-2", when=when, venue=Venue.FACILITY, place=None,
                              facility=facility("SQ"), now=clock(), commitments=[], hours={
                                  case.facilitator_ids[0]: facilitator("x").availability})
    assert any("gate clearance for SQ is void" in r for r in refused.value.reasons)
    reasons, cleared_until = case.slot_blockers(Venue.FACILITY, facility("SQ"), when.start.date())
    assert cleared_until is None and any("is void" in r for r in reasons)
    assert case.slot_blockers(Venue.VIDEO, None, when.start.date()) == ([], None)


def test_a_void_elsewhere_leaves_the_dialogue_alone_and_a_new_grant_clears_again():
    clock = Clock(pacific(2026, 4, 1))
    case = ready_case_with_a_dialogue(clock)
    case.clearance_decided(void("victim-1", VisitorRole.VICTIM, clock, "CMF"), now=clock())
    assert case.alerts == []
    case.clearance_decided(void("victim-1", VisitorRole.VICTIM, clock), now=clock())
    case.clearance_decided(void("victim-1", VisitorRole.VICTIM, clock), now=clock())  # again
    assert len(case.alerts) == 1
    clock.advance(days=1)
    case.clearance_decided(grant("victim-1", VisitorRole.VICTIM, expires_on=date(2026, 12, 31),
                                 at=clock()), now=clock())
    assert case.venue_problems(Venue.FACILITY, slot(pacific(2026, 5, 14, 10), 3),
                               facility("SQ")) == []


def test_one_transfer_voiding_every_visitors_clearance_is_one_alert_not_one_each():
    """Screening voids each visitor's clearance for SQ, one event each; staff need to hear
    once that the dialogue is at risk, not once per visitor."""
    clock = Clock(pacific(2026, 4, 1))
    case = ready_case_with_a_dialogue(clock)
    for visitor_id, role in [("victim-1", VisitorRole.VICTIM),
                             *((f, VisitorRole.FACILITATOR) for f in case.facilitator_ids)]:
        case.clearance_decided(void(visitor_id, role, clock), now=clock())
    [alert] = case.alerts
    assert alert.kind == "clearance_lapsed" and "victim-1" in alert.detail
