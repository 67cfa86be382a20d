"""The custody registry's rules: what a report must hold, what a roster line means, and what
changes the record in force."""
from datetime import date, datetime, timedelta, timezone

import pytest

from vod_shared.events import CustodyChange, CustodyStatus

from screening.domain.custody import (
    CustodyReport,
    OffenderCustody,
    Skipped,
    change_leading_to,
    check_report,
)
from screening.domain.errors import InvalidCustodyReport
from screening.domain.rules import CustodyRecord

S, C = CustodyStatus, CustodyChange
JAN, JUN = datetime(2026, 1, 5, tzinfo=timezone.utc), datetime(2026, 6, 1, tzinfo=timezone.utc)


def report(status=S.IN_PRISON, facility="SQ", at=JUN, change=C.TRANSFER, **details):
    return CustodyReport("AB1234", status, facility, at, change, **details)


def roster_line(status=S.IN_PRISON, facility="SQ", at=JUN):
    return CustodyReport("AB1234", status, facility, at)


@pytest.mark.parametrize("bad, field", [
    (report(facility=None), "facility_code"),                                  # in prison: where?
    (report(S.ON_PAROLE, "SQ", change=C.RELEASE), "facility_code"),            # parole: nowhere
    (report(S.IN_PRISON, change=C.DEATH), "status"),
    (report(S.IN_PRISON, change=C.ESCAPE), "status"),
    (report(S.ON_PAROLE, None, change=C.PAROLE_DISCHARGE), "status"),
    (report(change=C.PAROLE_HEARING), "details.hearing_date"),
    (roster_line(facility=None), "facility_code"),
])
def test_a_report_that_does_not_hold_together_is_refused_naming_the_field(bad, field):
    with pytest.raises(InvalidCustodyReport) as refused:
        check_report(bad)
    assert refused.value.field == field


@pytest.mark.parametrize("good", [
    report(),
    report(S.DECEASED, None, change=C.DEATH),
    report(S.COUNTY_JAIL, None, change=C.RELEASE),
    report(S.COUNTY_JAIL, "LACJ", change=C.RETURN),
    report(change=C.PAROLE_HEARING, hearing_date=date(2027, 3, 1)),
    roster_line(S.ON_PAROLE, None),
])
def test_a_report_that_holds_together_is_taken(good):
    check_report(good)


SAN_QUENTIN = CustodyRecord("AB1234", S.IN_PRISON, "SQ")


@pytest.mark.parametrize("previous, status, change", [
    (None, S.IN_PRISON, C.ADMISSION),
    (SAN_QUENTIN, S.IN_PRISON, C.TRANSFER),
    (CustodyRecord("AB1234", S.ESCAPED), S.IN_PRISON, C.RETURN),
    (CustodyRecord("AB1234", S.ON_PAROLE), S.IN_PRISON, C.ADMISSION),
    (SAN_QUENTIN, S.ON_PAROLE, C.RELEASE),
    (CustodyRecord("AB1234", S.ON_PAROLE), S.DISCHARGED, C.PAROLE_DISCHARGE),
    (SAN_QUENTIN, S.DISCHARGED, C.RELEASE),
    (SAN_QUENTIN, S.DECEASED, C.DEATH),
    (SAN_QUENTIN, S.ESCAPED, C.ESCAPE),
    (SAN_QUENTIN, S.OUT_OF_STATE, C.TRANSFER),
    (SAN_QUENTIN, S.COUNTY_JAIL, C.TRANSFER),
])
def test_a_roster_line_is_told_as_the_change_that_brought_the_person_there(
        previous, status, change):
    assert change_leading_to(previous, status) is change


def test_a_roster_line_the_registry_already_has_changes_nothing():
    offender = OffenderCustody("AB1234", CustodyRecord("AB1234", S.IN_PRISON, "SQ", JAN))
    assert offender.skips(roster_line(at=JUN)) is Skipped.ALREADY_CURRENT


def test_a_roster_line_older_than_what_the_registry_knows_changes_nothing():
    offender = OffenderCustody("AB1234", CustodyRecord("AB1234", S.ON_PAROLE, None, JUN))
    assert offender.skips(roster_line(at=JAN)) is Skipped.SUPERSEDED


def test_a_call_from_the_feed_is_always_kept_even_when_the_status_is_unchanged():
    offender = OffenderCustody("AB1234", CustodyRecord("AB1234", S.IN_PRISON, "SQ", JAN))
    hearing = report(change=C.PAROLE_HEARING, hearing_date=date(2027, 3, 1))
    assert offender.skips(hearing) is None


def test_a_transfer_names_the_facility_it_came_from():
    offender = OffenderCustody("AB1234", CustodyRecord("AB1234", S.IN_PRISON, "SQ", JAN))
    assert offender.record(report(facility="CMF"), change_id="c1", in_force_before=offender.current)
    [event] = offender.events
    assert (event.change, event.previous_facility_code, event.facility_code) == (
        C.TRANSFER, "SQ", "CMF")
    assert offender.current == CustodyRecord("AB1234", S.IN_PRISON, "CMF", JUN)


def test_a_late_report_goes_into_the_history_but_not_over_a_newer_record():
    newer = CustodyRecord("AB1234", S.ON_PAROLE, None, JUN)
    offender = OffenderCustody("AB1234", newer)
    late = report(facility="CMF", at=JUN - timedelta(days=30))
    assert not offender.record(late, change_id="c1", in_force_before=None)
    assert offender.current == newer and len(offender.events) == 1


def test_only_a_rosters_first_word_on_someone_is_marked_as_the_initial_load():
    offender = OffenderCustody("AB1234", None)
    offender.record(roster_line(S.ON_PAROLE, None), change_id="c1", in_force_before=None)
    offender.record(roster_line(S.DISCHARGED, None, JUN + timedelta(days=1)), change_id="c2",
                    in_force_before=offender.current)
    first, second = offender.events
    assert (first.change, first.initial_load) == (C.RELEASE, True)
    assert (second.change, second.initial_load) == (C.PAROLE_DISCHARGE, False)
    fed = OffenderCustody("CD5678", None)
    fed.record(report(change=C.ADMISSION), change_id="c3", in_force_before=None)
    assert fed.events[0].initial_load is False
