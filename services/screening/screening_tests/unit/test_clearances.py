"""Gate clearance for a dialogue inside a facility: per visitor and facility, granted until an
expiry or denied with a reason; void when the offender leaves the facility."""
from datetime import date, datetime, timedelta, timezone

import pytest

from vod_shared.events import (
    ClearanceDenied,
    ClearanceGranted,
    ClearanceVoided,
    CustodyChange,
    VisitorRole,
)

from screening.domain.clearances import (
    Clearance,
    ClearanceStatus,
    check_new_request,
    expiring,
    void_after_move,
)
from screening.domain.errors import InvalidDecision, NotNow

NOW = datetime(2026, 11, 20, 16, tzinfo=timezone.utc)
TODAY = NOW.date()


def requested(visitor="victim-1", role=VisitorRole.VICTIM, facility="SQ", case="case-1"):
    return Clearance(f"cl-{visitor}-{facility}", case, visitor, role, facility,
                     requested_at=NOW, requested_by="rosa")


def granted(expires_on: date, **kwargs) -> Clearance:
    clearance = requested(**kwargs)
    clearance.status, clearance.expires_on = ClearanceStatus.GRANTED, expires_on
    return clearance


def test_a_granted_clearance_is_published_with_its_expiry():
    clearance = requested()
    clearance.grant(expires_on=date(2027, 6, 30), by="rosa", now=NOW)
    [event] = clearance.events
    assert isinstance(event, ClearanceGranted)
    assert (event.visitor_id, event.visitor_role, event.facility_code, event.expires_on) == (
        "victim-1", "victim", "SQ", date(2027, 6, 30))
    assert clearance.holds_on(date(2027, 6, 30)) and not clearance.holds_on(date(2027, 7, 1))


@pytest.mark.parametrize("expires_on", [TODAY, TODAY - timedelta(days=1),
                                        TODAY + timedelta(days=367)])
def test_an_expiry_must_be_after_today_and_within_a_year(expires_on):
    clearance = requested()
    with pytest.raises(InvalidDecision) as refused:
        clearance.grant(expires_on=expires_on, by="rosa", now=NOW)
    assert refused.value.field == "expires_on" and clearance.events == []


def test_a_denial_gives_its_reason_and_can_withdraw_a_grant():
    clearance = requested(role=VisitorRole.SUPPORT_PERSON, visitor="support-1")
    clearance.grant(expires_on=date(2027, 1, 31), by="rosa", now=NOW)
    clearance.deny(reason="withdrawn_by_facility", by="rosa", now=NOW)
    denied = clearance.events[-1]
    assert isinstance(denied, ClearanceDenied) and denied.reason == "withdrawn_by_facility"
    assert not clearance.holds_on(TODAY)


def test_a_denial_needs_a_known_reason_and_a_decided_clearance_is_not_decided_again():
    clearance = requested()
    with pytest.raises(InvalidDecision):
        clearance.deny(reason="did not like them", by="rosa", now=NOW)
    clearance.deny(reason="background_check", by="rosa", now=NOW)
    with pytest.raises(NotNow):
        clearance.grant(expires_on=date(2027, 1, 1), by="rosa", now=NOW)


def test_one_standing_request_per_visitor_and_facility():
    existing = [requested(), granted(date(2027, 1, 31), visitor="fac-1",
                                     role=VisitorRole.FACILITATOR)]
    with pytest.raises(NotNow):
        check_new_request(existing, visitor_id="victim-1", facility_code="SQ", today=TODAY)
    with pytest.raises(NotNow):
        check_new_request(existing, visitor_id="fac-1", facility_code="SQ", today=TODAY)
    check_new_request(existing, visitor_id="fac-1", facility_code="CMF", today=TODAY)
    check_new_request(existing, visitor_id="fac-1", facility_code="SQ",
                      today=date(2027, 2, 1))  # the old one has lapsed: ask again


def test_a_transfer_voids_the_clearances_for_the_old_facility_only():
    old = [granted(date(2027, 3, 1)), requested(visitor="fac-1", role=VisitorRole.FACILITATOR)]
    new = requested(visitor="fac-1", role=VisitorRole.FACILITATOR, facility="CMF")
    denied = requested(visitor="support-1", role=VisitorRole.SUPPORT_PERSON)
    denied.status = ClearanceStatus.DENIED
    voided = void_after_move([*old, new, denied], left="SQ", now_at="CMF",
                             change=CustodyChange.TRANSFER, now=NOW)
    assert voided == old
    assert all(c.status is ClearanceStatus.VOIDED for c in old)
    assert new.status is ClearanceStatus.REQUESTED and new.events == []
    events = [c.events[0] for c in old]
    assert all(isinstance(e, ClearanceVoided) and e.reason == "offender_transferred"
               and e.facility_code == "SQ" for e in events)


def test_released_to_parole_voids_the_facility_clearances():
    clearance = granted(date(2027, 3, 1))
    void_after_move([clearance], left="SQ", now_at=None, change=CustodyChange.RELEASE, now=NOW)
    assert clearance.events[0].reason == "offender_left_facility"


def test_a_late_report_of_a_move_they_came_back_from_voids_nothing():
    clearance = granted(date(2027, 3, 1))
    assert void_after_move([clearance], left="SQ", now_at="SQ", change=CustodyChange.TRANSFER,
                           now=NOW) == []
    assert clearance.status is ClearanceStatus.GRANTED


def test_the_clearances_expiring_within_30_days_soonest_first():
    soon = granted(TODAY + timedelta(days=3), visitor="a")
    edge = granted(TODAY + timedelta(days=30), visitor="b")
    later = granted(TODAY + timedelta(days=31), visitor="c")
    lapsed = granted(TODAY - timedelta(days=1), visitor="d")
    waiting = requested(visitor="e")
    assert expiring([later, edge, lapsed, waiting, soon], today=TODAY) == [soon, edge]
