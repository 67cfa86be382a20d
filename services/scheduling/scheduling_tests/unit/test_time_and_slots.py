"""Hours in people's own zones, days off, buffers, and the slots offered for the dialogue."""
from datetime import date, time, timedelta, timezone

import pytest

from scheduling.domain.availability import DaysOff
from scheduling.domain.booking import Commitment, busy_times, ensure_bookable
from scheduling.domain.errors import DoubleBooked, InvalidSchedule, Unavailable
from scheduling.domain.intervals import Interval, intersect, subtract
from scheduling.domain.slots import candidate_slots
from scheduling_tests.builders import OFFICE_HOURS, facility, pacific, slot, weekdays


def test_weekly_hours_follow_the_zone_across_a_change_of_clocks():
    # Daylight saving starts on Sunday 8 March 2026 in California: 09:00 stays 09:00 there.
    [friday] = OFFICE_HOURS.intervals(pacific(2026, 3, 6, 0), pacific(2026, 3, 6, 23))
    [monday] = OFFICE_HOURS.intervals(pacific(2026, 3, 9, 0), pacific(2026, 3, 9, 23))
    assert friday.start.astimezone(timezone.utc).hour == 17
    assert monday.start.astimezone(timezone.utc).hour == 16


def test_days_off_and_weekends_are_not_available():
    leave = OFFICE_HOURS.with_days_off(DaysOff(date(2026, 3, 10), date(2026, 3, 11), "training"))
    days = {i.start.date() for i in leave.intervals(pacific(2026, 3, 9, 0), pacific(2026, 3, 16, 0))}
    assert days == {date(2026, 3, 9), date(2026, 3, 12), date(2026, 3, 13)}


def test_an_unknown_zone_is_refused():
    with pytest.raises(InvalidSchedule):
        weekdays(time(9), time(17), zone="Mars/Olympus_Mons")


def test_intervals_intersect_and_subtract():
    a = [slot(pacific(2026, 3, 2, 9), 8)]
    b = [slot(pacific(2026, 3, 2, 12), 8)]
    assert intersect(a, b) == [Interval(pacific(2026, 3, 2, 12), pacific(2026, 3, 2, 17))]
    assert subtract(a, [slot(pacific(2026, 3, 2, 10))]) == [
        slot(pacific(2026, 3, 2, 9)), Interval(pacific(2026, 3, 2, 11), pacific(2026, 3, 2, 17))]


def test_a_facilitator_is_never_booked_twice_and_keeps_a_buffer():
    hours = {"f1": OFFICE_HOURS}
    taken = [Commitment("f1", slot(pacific(2026, 3, 3, 10)), "case-a", "m1", "meeting")]
    with pytest.raises(DoubleBooked):
        ensure_bookable(slot(pacific(2026, 3, 3, 11)), ["f1"], commitments=taken, hours=hours)
    ensure_bookable(slot(pacific(2026, 3, 3, 11, 30)), ["f1"], commitments=taken, hours=hours)
    ensure_bookable(slot(pacific(2026, 3, 3, 10)), ["f1"], commitments=taken, hours=hours,
                    moving="m1")
    with pytest.raises(Unavailable):
        ensure_bookable(slot(pacific(2026, 3, 3, 17)), ["f1"], commitments=[], hours=hours)


def test_the_earliest_fitting_slots_respect_everyone_and_skip_blackouts():
    prison = facility()
    prison.black_out(date(2026, 3, 3), date(2026, 3, 3), "lockdown")
    victim = weekdays(time(8), time(12), days=(1, 2, 3), zone="America/Phoenix")  # Tue-Thu
    busy = busy_times([Commitment("f1", slot(pacific(2026, 3, 4, 9)), "c", "m", "meeting")], ["f1"])
    slots = candidate_slots(window=Interval(pacific(2026, 3, 2, 0), pacific(2026, 3, 31, 0)),
                            length=timedelta(hours=2), facilitator_hours=[OFFICE_HOURS],
                            busy=busy, facility=prison, victim_hours=victim, how_many=3)
    # Phoenix keeps standard time: 08:00-12:00 there is 07:00-11:00 Pacific until 8 March.
    assert [s.start for s in slots] == [pacific(2026, 3, 5, 9), pacific(2026, 3, 10, 9),
                                       pacific(2026, 3, 11, 9)]
    # Wednesday 4th: busy 9-10 (+30 min buffer) leaves 10:30-11:00: too short for two hours.


def test_no_slot_falls_after_a_visitor_clearance_runs_out():
    slots = candidate_slots(window=Interval(pacific(2026, 3, 2, 0), pacific(2026, 3, 31, 0)),
                            length=timedelta(hours=3), facilitator_hours=[OFFICE_HOURS], busy=[],
                            facility=facility(), cleared_until=date(2026, 3, 3), how_many=5)
    assert [s.start.date() for s in slots] == [date(2026, 3, 2), date(2026, 3, 3)]
