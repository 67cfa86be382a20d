"""The week grid staff plan with: seven local days from a Monday in the program's zone (a week
with a daylight-saving change is 167 or 169 hours long), one row per working hour, each cell
saying whether the person or place shown is available then and what is booked in it."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from scheduling.domain.availability import Availability, zone
from scheduling.domain.intervals import Interval, intersect

HOURS = range(7, 20)  # the rows: 07:00 to 20:00, local time


@dataclass(frozen=True)
class Week:
    first_day: date
    time_zone: str

    @classmethod
    def containing(cls, moment: datetime | date, time_zone: str) -> "Week":
        day = moment.astimezone(zone(time_zone)).date() if isinstance(moment, datetime) else moment
        return cls(day - timedelta(days=day.weekday()), time_zone)

    @property
    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=n) for n in range(7)]

    @property
    def span(self) -> Interval:
        """From Monday 00:00 to the next Monday 00:00, local time (so not always 168 hours)."""
        tz = zone(self.time_zone)
        return Interval(datetime.combine(self.first_day, time(0), tz),
                        datetime.combine(self.first_day + timedelta(days=7), time(0), tz))

    @property
    def previous(self) -> "Week":
        return Week(self.first_day - timedelta(days=7), self.time_zone)

    @property
    def next(self) -> "Week":
        return Week(self.first_day + timedelta(days=7), self.time_zone)

    def cell(self, day: date, hour: int) -> Interval:
        tz = zone(self.time_zone)
        start = datetime.combine(day, time(hour), tz)
        return Interval(start, start + timedelta(hours=1))


def grid(week: Week, entries: list[dict], availability: Availability | None,
         hours: range = HOURS) -> list[dict]:
    """One row per hour; each cell has ``available`` (None when nobody's hours are shown) and
    the entries (meetings, dialogues, in local ISO times) that start in it."""
    span = week.span
    free = availability.intervals(span.start, span.end) if availability is not None else None
    tz = zone(week.time_zone)
    # An early or late entry adds its hour: nothing booked is ever left off the grid.
    booked = {datetime.fromisoformat(e["starts_at"]).astimezone(tz).hour for e in entries}
    rows = []
    for hour in sorted(set(hours) | booked):
        cells = []
        for day in week.days:
            slot = week.cell(day, hour)
            cells.append({
                "day": day,
                "available": None if free is None else bool(intersect(free, [slot])),
                "entries": [e for e in entries if _starts_in(e, slot)]})
        rows.append({"hour": hour, "cells": cells})
    return rows


def _starts_in(entry: dict, slot: Interval) -> bool:
    return slot.start <= datetime.fromisoformat(entry["starts_at"]) < slot.end
