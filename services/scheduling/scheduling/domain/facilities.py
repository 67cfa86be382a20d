"""A prison as the dialogue sees it: its zone, its region, its visiting hours and the days
(lockdowns, holidays) when no visit can happen."""
from dataclasses import dataclass
from datetime import date

from scheduling.domain.availability import Availability, DaysOff
from scheduling.domain.intervals import Interval


@dataclass
class Facility:
    code: str
    visiting_hours: Availability
    region: str | None = None

    @property
    def time_zone(self) -> str:
        return self.visiting_hours.time_zone

    def is_blacked_out(self, day: date) -> bool:
        return self.visiting_hours.is_day_off(day)

    def black_out(self, first_day: date, last_day: date, reason: str | None = None) -> None:
        closed = DaysOff(first_day, last_day, reason)
        self.visiting_hours = self.visiting_hours.with_days_off(closed)

    def receives_visitors(self, interval: Interval) -> bool:
        return self.visiting_hours.covers(interval)
