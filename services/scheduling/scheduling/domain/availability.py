"""When someone (or somewhere) can be met: weekly hours in their own IANA zone, less days off.

A facilitator's working hours, a facility's visiting hours (its blackout days are its days off)
and the victim's stated availability are all the same shape.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduling.domain.errors import InvalidSchedule
from scheduling.domain.intervals import Interval, merge

PROGRAM_ZONE = "America/Los_Angeles"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidSchedule("time_zone", f"{name!r} is not an IANA time zone") from None


@dataclass(frozen=True)
class WeeklyHours:
    """Every ``weekday`` (0 = Monday) from ``start`` to ``end``, local time."""

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise InvalidSchedule("weekday", "a weekday is 0 (Monday) to 6 (Sunday)")
        if self.end <= self.start:
            raise InvalidSchedule("end", "weekly hours must end after they start")


@dataclass(frozen=True)
class DaysOff:
    """Whole local days with nobody there: leave, training, a facility's lockdown."""

    first_day: date
    last_day: date
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise InvalidSchedule("last_day", "days off must end on or after their first day")

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True)
class Availability:
    time_zone: str = PROGRAM_ZONE
    weekly: tuple[WeeklyHours, ...] = ()
    days_off: tuple[DaysOff, ...] = field(default=())

    def __post_init__(self) -> None:
        zone(self.time_zone)

    @property
    def zone(self) -> ZoneInfo:
        return zone(self.time_zone)

    def is_day_off(self, day: date) -> bool:
        return any(off.covers(day) for off in self.days_off)

    def intervals(self, start: datetime, end: datetime) -> list[Interval]:
        """The available times between ``start`` and ``end``."""
        tz = self.zone
        first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
        found = []
        day = first
        while day <= last:
            if not self.is_day_off(day):
                for hours in self.weekly:
                    if hours.weekday == day.weekday():
                        opens = datetime.combine(day, hours.start, tzinfo=tz)
                        closes = datetime.combine(day, hours.end, tzinfo=tz)
                        lo, hi = max(opens, start), min(closes, end)
                        if lo < hi:
                            found.append(Interval(lo, hi))
            day += timedelta(days=1)
        return merge(found)

    def covers(self, interval: Interval) -> bool:
        return any(free.contains(interval)
                   for free in self.intervals(interval.start, interval.end))

    def with_days_off(self, *extra: DaysOff) -> "Availability":
        return Availability(self.time_zone, self.weekly, (*self.days_off, *extra))


def local_day(moment: datetime, time_zone: str) -> date:
    return moment.astimezone(zone(time_zone)).date()


def whole_days(first_day: date, last_day: date, time_zone: str) -> Interval:
    """From the start of ``first_day`` to the end of ``last_day``, local time."""
    tz = zone(time_zone)
    return Interval(datetime.combine(first_day, time(0), tz),
                    datetime.combine(last_day + timedelta(days=1), time(0), tz))
