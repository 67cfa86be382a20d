"""One case walked from approval to its close over ten months, on a clock the test moves:
preparation, readiness, a clearance that runs out before the chosen date, a reschedule, a
pause and a resume, the dialogue held, follow-up, the surveys, and the close. In milliseconds."""
from datetime import date, timedelta

import pytest

from vod_shared.events import (
    ActedBy,
    CaseClosed,
    ClearanceRequested,
    EligibilityOutcome,
    FacilitatorAssigned,
    MeetingMode,
    MeetingScheduled,
    Party,
    SessionCompleted,
    SessionScheduled,
    SurveyDue,
    SurveyStage,
    Venue,
    VisitorRole,
)

from scheduling.domain.errors import DoubleBooked, NotNow, NotReadyForDialogue, Unavailable
from scheduling.domain.facilitators import choose_facilitators
from scheduling.domain.model import Case
from scheduling.domain.stages import Stage
from scheduling_tests.builders import (
    Clock,
    facilitator,
    facility,
    grant,
    hours_of,
    pacific,
    slot,
)


def take(case: Case) -> list:
    events, case.events = case.events, []
    return events


def kinds(events) -> list[str]:
    return [type(e).__name__ for e in events]


def alerts(case: Case) -> list[str]:
    found, case.alerts = [a.kind for a in case.alerts], []
    return found


def test_a_case_from_approval_to_close():
    clock = Clock(pacific(2026, 3, 2, 9))
    prison = facility("SQ")
    ana, ben, nora = (facilitator("ana", languages=("en", "es")), facilitator("ben"),
                      facilitator("nora", languages=("es",), experienced=False))
    hours = hours_of(ana, ben, nora)

    # Screening says eligible, then approves: the case waits for facilitators.
    case = Case.open("case-1", "AB1234", clock())
    case.request_received(victim_id="victim-1", language="es", travel_offered=True, now=clock())
    case.eligibility_decided(EligibilityOutcome.ELIGIBLE, reason="in_state_prison",
                             ends_case=False, facility_code="SQ", on_parole=False,
                             now=clock())
    case.screening_completed(approved=True, now=clock())
    assert case.stage is Stage.WAITING_FOR_FACILITATOR

    # Nora (new, Spanish) is the least loaded Spanish speaker; Ben, experienced, partners her.
    chosen = choose_facilitators([ana, ben, nora], {ana.facilitator_id: 3}, language=case.language)
    assert chosen == (nora.facilitator_id, ben.facilitator_id)
    case.assign(chosen, now=clock())
    assigned, asked = take(case)
    assert isinstance(assigned, FacilitatorAssigned) and assigned.facilitator_ids == list(chosen)
    assert isinstance(asked, ClearanceRequested) and asked.facility_code == "SQ"
    assert asked.victim_id == "victim-1" and asked.facilitator_ids == list(chosen)

    # The enrollment survey goes out at once, to both parties.
    assert case.next_due_at() == clock()
    case.do_due_work(now=clock())
    assert [(e.party, e.stage, e.recipient_id) for e in take(case)] == [
        (Party.VICTIM, SurveyStage.ENROLLMENT, "victim-1"),
        (Party.OFFENDER, SurveyStage.ENROLLMENT, None)]

    # Preparation: separate meetings, with a buffer between a facilitator's meetings.
    first = case.schedule_meeting(meeting_id="m-victim-1", party=Party.VICTIM,
                                  mode=MeetingMode.VIDEO, when=slot(pacific(2026, 3, 3, 10)),
                                  place=None, now=clock(), commitments=[], hours=hours)
    with pytest.raises(DoubleBooked):
        case.schedule_meeting(meeting_id="m-off-1", party=Party.OFFENDER,
                              mode=MeetingMode.IN_PERSON, when=slot(pacific(2026, 3, 3, 11)),
                              place="SQ visiting room B", now=clock(), commitments=[], hours=hours)
    with pytest.raises(Unavailable):
        case.schedule_meeting(meeting_id="m-off-1", party=Party.OFFENDER,
                              mode=MeetingMode.IN_PERSON, when=slot(pacific(2026, 3, 3, 18)),
                              place="SQ visiting room B", now=clock(), commitments=[], hours=hours)
    case.schedule_meeting(meeting_id="m-off-1", party=Party.OFFENDER, mode=MeetingMode.IN_PERSON,
                          when=slot(pacific(2026, 3, 3, 11, 30)), place="SQ visiting room B",
                          now=clock(), commitments=[], hours=hours)
    scheduled = take(case)
    assert kinds(scheduled) == ["MeetingScheduled", "MeetingScheduled"]
    assert scheduled[0].starts_at.isoformat() == "2026-03-03T10:00:00-08:00"
    with pytest.raises(NotNow):
        case.mark_ready(Party.VICTIM, now=clock())  # nobody is ready before meeting anyone

    clock.move_to(pacific(2026, 3, 3, 13))
    case.meeting_held(first.meeting_id, outcome="Talked through the process.", now=clock())
    case.meeting_held("m-off-1", outcome="Acknowledges responsibility; wants more time.",
                      now=clock())
    case.mark_ready(Party.VICTIM, now=clock())
    # Six weeks and two more meetings later the offender is ready too.
    for week in (2, 4):
        clock.advance(weeks=2)
        when = slot(clock() + timedelta(days=1, hours=1))
        meeting = case.schedule_meeting(
            meeting_id=f"m-off-{week}", party=Party.OFFENDER, mode=MeetingMode.IN_PERSON,
            when=when, place="SQ", now=clock(), commitments=[], hours=hours)
        clock.move_to(when.end)
        case.meeting_held(meeting.meeting_id, outcome="Prepared a statement.", now=clock())
    case.mark_ready(Party.OFFENDER, now=clock())
    assert [type(e).__name__ for e in take(case)][-1] == "PartyReady"

    # Clearances: the victim's runs out on 10 May; the facilitators' hold all year.
    clock.move_to(pacific(2026, 4, 15, 9))
    for visitor, role, last in (("victim-1", VisitorRole.VICTIM, date(2026, 5, 10)),
                                (nora.facilitator_id, VisitorRole.FACILITATOR, date(2026, 12, 31)),
                                (ben.facilitator_id, VisitorRole.FACILITATOR, date(2026, 12, 31))):
        case.clearance_decided(grant(visitor, role, expires_on=last, at=clock()), now=clock())
    with pytest.raises(NotReadyForDialogue) as refused:
        case.schedule_session(session_id="s-1", when=slot(pacific(2026, 5, 12, 10), 3),
                              venue=Venue.FACILITY, place=None, facility=prison, now=clock(),
                              commitments=[], hours=hours)
    assert "expires on 2026-05-10, before 2026-05-12" in str(refused.value)

    # Screening renews the victim's clearance; the dialogue is scheduled, then moved.
    case.clearance_decided(grant("victim-1", VisitorRole.VICTIM, expires_on=date(2026, 8, 31),
                                 at=clock()), now=clock())
    case.schedule_session(session_id="s-1", when=slot(pacific(2026, 5, 12, 10), 3),
                          venue=Venue.FACILITY, place=None, facility=prison, now=clock(),
                          commitments=[], hours=hours)
    case.reschedule_session(when=slot(pacific(2026, 5, 14, 10), 3), place=None, facility=prison,
                            now=clock(), commitments=[], hours=hours)
    first_time, moved = take(case)
    assert isinstance(first_time, SessionScheduled) and first_time.sequence == 0
    assert moved.starts_at.isoformat() == "2026-05-14T10:00:00-07:00"
    assert (moved.session_id, moved.sequence, moved.facilitator_ids) == (
        "s-1", 1, first_time.facilitator_ids)
    assert moved.time_zone == "America/Los_Angeles" and moved.facility_code == "SQ"
    assert case.travel is not None and case.travel.due_by == pacific(2026, 5, 14, 10)

    # The victim pauses (through intake): the dialogue and the next meeting are cancelled.
    upcoming = case.schedule_meeting(meeting_id="m-victim-2", party=Party.VICTIM,
                                     mode=MeetingMode.PHONE, when=slot(pacific(2026, 5, 5, 14)),
                                     place=None, now=clock(), commitments=[], hours=hours)
    take(case)
    clock.move_to(pacific(2026, 5, 1, 9))
    case.pause(by=ActedBy.VICTIM, reason=None, now=clock(), announce=False)
    cancelled = take(case)
    assert kinds(cancelled) == ["MeetingCancelled", "SessionCancelled"]
    assert cancelled[0].meeting_id == upcoming.meeting_id and cancelled[1].reason == "case_paused"
    assert alerts(case) == ["case_paused"]
    assert case.stage is Stage.PREPARATION and case.next_due_at() is None
    with pytest.raises(NotNow):
        case.schedule_meeting(meeting_id="m-x", party=Party.VICTIM, mode=MeetingMode.PHONE,
                              when=slot(pacific(2026, 5, 6, 10)), place=None, now=clock(),
                              commitments=[], hours=hours)
    with pytest.raises(NotNow):
        case.resume(by=ActedBy.DIRECTOR, reason="?", now=clock(), announce=True)

    # She resumes: the case is where it was, both parties still ready.
    clock.move_to(pacific(2026, 5, 20, 9))
    case.resume(by=ActedBy.VICTIM, reason=None, now=clock(), announce=False)
    assert alerts(case) == ["case_resumed"] and set(case.ready) == {Party.VICTIM, Party.OFFENDER}
    session = case.schedule_session(session_id="s-2", when=slot(pacific(2026, 6, 9, 10), 3),
                                    venue=Venue.FACILITY, place=None, facility=prison,
                                    now=clock(), commitments=[], hours=hours)
    take(case)

    # Two weeks ahead, her travel is still not arranged: staff are told, once.
    clock.move_to(pacific(2026, 5, 26, 10))
    assert case.next_due_at() == pacific(2026, 5, 26, 10)
    case.do_due_work(now=clock())
    case.do_due_work(now=clock())
    assert alerts(case) == ["travel_not_arranged"]
    clock.move_to(pacific(2026, 6, 9, 13))
    with pytest.raises(NotNow, match="travel"):
        case.session_held(now=clock())
    case.travel_arranged(now=clock())
    case.session_held(now=clock())
    [completed] = take(case)
    assert isinstance(completed, SessionCompleted) and completed.session_id == session.session_id
    assert case.stage is Stage.FOLLOW_UP

    # Follow-up with the victim, the survey soon after, then the close.
    case.schedule_meeting(meeting_id="m-follow", party=Party.VICTIM, mode=MeetingMode.VIDEO,
                          when=slot(pacific(2026, 6, 16, 10)), place=None, now=clock(),
                          commitments=[], hours=hours, follow_up=True)
    assert isinstance(take(case)[0], MeetingScheduled)
    clock.move_to(pacific(2026, 6, 23, 13))
    case.do_due_work(now=clock())
    assert {(e.stage, e.party) for e in take(case)} == {
        (SurveyStage.AFTER_DIALOGUE, Party.VICTIM), (SurveyStage.AFTER_DIALOGUE, Party.OFFENDER)}
    clock.move_to(pacific(2026, 7, 1, 9))
    case.meeting_held("m-follow", outcome="Reflected on the dialogue.", now=clock())
    case.close(reason="dialogue_completed", by=ActedBy.DIRECTOR, now=clock())
    [closed] = take(case)
    assert isinstance(closed, CaseClosed) and closed.by is ActedBy.DIRECTOR
    assert case.stage is Stage.CLOSED

    # Months after the dialogue the participants are still asked.
    clock.move_to(pacific(2026, 12, 6, 13))
    case.do_due_work(now=clock())
    assert {e.stage for e in take(case) if isinstance(e, SurveyDue)} == {SurveyStage.MONTHS_LATER}
    assert case.next_due_at() is None


def test_a_hold_by_the_program_needs_a_reason_and_does_not_lift_the_victims():
    clock = Clock(pacific(2026, 3, 2, 9))
    case = Case.open("case-2", "AB1234", clock())
    with pytest.raises(Exception, match="reason"):
        case.pause(by=ActedBy.FACILITATOR, reason=" ", now=clock(), announce=True)
    case.pause(by=ActedBy.VICTIM, reason=None, now=clock(), announce=False)
    case.pause(by=ActedBy.DIRECTOR, reason="facilitator on leave", now=clock(), announce=True)
    assert kinds(take(case)) == ["CasePaused"]
    case.resume(by=ActedBy.DIRECTOR, reason="back", now=clock(), announce=True)
    assert case.is_paused and kinds(take(case)) == ["CaseResumed"]
    assert alerts(case)[-1] == "hold_lifted"


def test_a_withdrawal_stops_everything_including_surveys():
    clock = Clock(pacific(2026, 3, 2, 9))
    case = Case.open("case-3", "AB1234", clock())
    case.eligibility_decided(EligibilityOutcome.ELIGIBLE, reason="in_state_prison",
                             ends_case=False, facility_code="SQ", on_parole=False,
                             now=clock())
    case.screening_completed(approved=True, now=clock() + timedelta(days=1))
    case.withdraw(clock())
    assert case.stage is Stage.WITHDRAWN and case.next_due_at() is None
    case.do_due_work(now=clock() + timedelta(days=30))
    assert take(case) == []
    with pytest.raises(NotNow):
        case.close(reason="x", by=ActedBy.DIRECTOR, now=clock())


def test_a_declined_screening_closes_the_case_once_and_late_news_changes_nothing():
    clock = Clock(pacific(2026, 3, 2, 9))
    case = Case.open("case-4", "AB1234", clock())
    case.screening_completed(approved=False, offender_declined=True, now=clock())
    assert case.stage is Stage.NOT_SUITABLE
    [closed] = take(case)
    assert isinstance(closed, CaseClosed)
    assert (closed.reason, closed.by) == ("offender_declined", ActedBy.OFFENDER)
    case.screening_completed(approved=True, now=clock())
    case.screening_completed(approved=False, now=clock())
    assert case.stage is Stage.NOT_SUITABLE and case.events == []


def test_a_screening_not_approved_for_another_reason_closes_as_not_suitable():
    clock = Clock(pacific(2026, 3, 2, 9))
    case = Case.open("case-5", "AB1234", clock())
    case.screening_completed(approved=False, now=clock())
    [closed] = take(case)
    assert (closed.reason, closed.by) == ("not_suitable", None)
