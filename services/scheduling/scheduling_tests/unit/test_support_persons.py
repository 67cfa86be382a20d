"""A victim's support person: gate clearance is asked for them like any visitor (with the
others once facilitators are assigned, at once if they already are); the dialogue waits for
their clearance; removed at her word, they are no longer a visitor, and a clearance decided for
them later does not bring them back."""
import uuid
from datetime import date, datetime, timedelta

from vod_shared.events import (
    ClearanceRequested,
    EligibilityOutcome,
    MeetingMode,
    Party,
    SupportPersonAdded,
    SupportPersonRemoved,
    Venue,
    VisitorRole,
)
from vod_shared.staff import Role

from scheduling.domain.model import Case
from scheduling_tests.builders import Clock, facilitator, facility, grant, hours_of, pacific, slot
from scheduling_tests.conftest import approved, eligible, request
from scheduling_tests.unit.test_following_other_services import add_facilitator

WHEN = slot(pacific(2026, 5, 12, 10), 3)


def approved_case(clock: Clock) -> Case:
    case = Case.open("case-s", "AB1234", clock())
    case.request_received(victim_id="victim-1", language="en", travel_offered=False, now=clock())
    case.eligibility_decided(EligibilityOutcome.ELIGIBLE, reason="in_state_prison",
                             ends_case=False, facility_code="SQ", on_parole=False, now=clock())
    case.screening_completed(approved=True, now=clock())
    return case


def ready(case: Case, clock: Clock, lead) -> None:
    for n, party in enumerate(Party):
        when = slot(clock() + timedelta(days=1, hours=n * 2))
        case.schedule_meeting(meeting_id=f"m{n}", party=party, mode=MeetingMode.PHONE,
                              when=when, place=None, now=clock(), commitments=[],
                              hours=hours_of(lead))
    clock.advance(days=2)
    for n, party in enumerate(Party):
        case.meeting_held(f"m{n}", outcome="ok", now=clock())
        case.mark_ready(party, now=clock())
    for visitor, role in (("victim-1", VisitorRole.VICTIM),
                          (lead.facilitator_id, VisitorRole.FACILITATOR)):
        case.clearance_decided(grant(visitor, role, expires_on=date(2026, 12, 31), at=clock()),
                               now=clock())


def asked(case: Case) -> list[ClearanceRequested]:
    found = [e for e in case.events if isinstance(e, ClearanceRequested)]
    case.events.clear()
    return found


def test_added_before_facilitators_they_are_named_when_clearance_is_first_asked():
    clock = Clock(pacific(2026, 4, 1))
    case = approved_case(clock)
    case.support_person_added("support-1", now=clock())
    assert asked(case) == []  # nobody's clearance is asked for before facilitators
    case.assign((facilitator("lead").facilitator_id,), now=clock())
    [request] = asked(case)
    assert request.support_person_ids == ["support-1"] and request.victim_id == "victim-1"


def test_added_later_their_clearance_is_asked_at_once_and_the_dialogue_waits_for_it():
    clock = Clock(pacific(2026, 4, 1))
    lead = facilitator("lead")
    case = approved_case(clock)
    case.assign((lead.facilitator_id,), now=clock())
    ready(case, clock, lead)
    asked(case)
    case.support_person_added("support-1", now=clock())
    case.support_person_added("support-1", now=clock())  # told twice: asked once
    [request] = asked(case)
    assert request.support_person_ids == ["support-1"] and request.reason == "support_person_added"
    problems = case.venue_problems(Venue.FACILITY, WHEN, facility("SQ"))
    assert len(problems) == 1 and "support person" in problems[0]
    case.clearance_decided(grant("support-1", VisitorRole.SUPPORT_PERSON,
                                 expires_on=date(2026, 12, 31), at=clock()), now=clock())
    assert case.venue_problems(Venue.FACILITY, WHEN, facility("SQ")) == []


def test_removed_they_are_no_visitor_and_a_late_clearance_does_not_bring_them_back():
    clock = Clock(pacific(2026, 4, 1))
    lead = facilitator("lead")
    case = approved_case(clock)
    case.assign((lead.facilitator_id,), now=clock())
    ready(case, clock, lead)
    case.support_person_added("support-1", now=clock())
    case.support_person_removed("support-1", now=clock())
    assert case.venue_problems(Venue.FACILITY, WHEN, facility("SQ")) == []
    case.clearance_decided(grant("support-1", VisitorRole.SUPPORT_PERSON,
                                 expires_on=date(2026, 12, 31), at=clock()), now=clock())
    case.support_person_added("support-1", now=clock())  # a redelivery, after the removal
    assert "support-1" not in [v.visitor_id for v in case.visitors()]
    asked(case)
    case.request_clearance(reason="staff", now=clock())
    assert asked(case)[0].support_person_ids == []


async def test_over_the_consumer_the_added_support_person_is_asked_for_and_kept(scheduling):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    await add_facilitator(coordinator, "Eli")
    case_id, person = str(uuid.uuid4()), str(uuid.uuid4())
    at = datetime(2026, 3, 2, tzinfo=pacific(2026, 3, 2).tzinfo)
    await scheduling.feed(request(case_id), eligible(case_id), approved(case_id))
    added = await scheduling.feed(SupportPersonAdded(case_id=case_id, support_person_id=person,
                                                     at=at))
    await scheduling.redeliver(added[0])  # the inbox makes it a no-op
    first, second = await scheduling.events("ClearanceRequested")
    assert first.support_person_ids == [] and second.support_person_ids == [person]
    case = (await coordinator.get(f"/api/cases/{case_id}")).json()
    assert case["support_person_ids"] == [person]
    await scheduling.feed(SupportPersonRemoved(case_id=case_id, support_person_id=person, at=at))
    case = (await coordinator.get(f"/api/cases/{case_id}")).json()
    assert case["support_person_ids"] == []
    assert scheduling.dead == []
