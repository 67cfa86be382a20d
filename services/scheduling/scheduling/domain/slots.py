"""Candidate times for the joint dialogue: when every facilitator is in their hours and free,
the facility receives visitors (no blackout), every visitor's clearance still holds, and the
victim said they could come. The earliest fitting slots are offered, one per free stretch."""
import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from scheduling.domain.availability import Availability, zone
from scheduling.domain.facilities import Facility
from scheduling.domain.intervals import Interval, intersect, subtract

STEP = timedelta(minutes=30)


def candidate_slots(*, window: Interval, length: timedelta,
                    facilitator_hours: Sequence[Availability], busy: Iterable[Interval],
                    facility: Facility | None = None, cleared_until: date | None = None,
                    victim_hours: Availability | None = None, how_many: int = 5) -> list[Interval]:
    if facility is not None and cleared_until is not None:
        tz = zone(facility.time_zone)
        last = datetime.combine(cleared_until + timedelta(days=1), time(0), tz)
        if last <= window.start:
            return []
        window = Interval(window.start, min(window.end, last))
    free = [window]
    for hours in facilitator_hours:
        free = intersect(free, hours.intervals(window.start, window.end))
    if facility is not None:
        free = intersect(free, facility.visiting_hours.intervals(window.start, window.end))
    if victim_hours is not None and victim_hours.weekly:
        free = intersect(free, victim_hours.intervals(window.start, window.end))
    free = subtract(free, busy)
    slots = []
    for stretch in free:
        start = _round_up(stretch.start)
        if start + length <= stretch.end:
            slots.append(Interval(start, start + length))
            if len(slots) == how_many:
                break
    return slots


def _round_up(moment: datetime) -> datetime:
    step = STEP.total_seconds()
    return datetime.fromtimestamp(math.ceil(moment.timestamp() / step) * step, moment.tzinfo)
