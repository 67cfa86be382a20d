"""Small builders for scheduling's tests: a clock the test moves, facilitators, a facility."""
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from vod_shared.events import Language, VisitorRole

from scheduling.domain.availability import Availability, WeeklyHours
from scheduling.domain.clearances import Clearance
from scheduling.domain.facilitators import Facilitator
from scheduling.domain.facilities import Facility
from scheduling.domain.intervals import Interval

PACIFIC = ZoneInfo("America/Los_Angeles")


def pacific(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PACIFIC)


@dataclass
class Clock:
    """The time, moved only by the test."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def move_to(self, moment: datetime) -> datetime:
        assert moment >= self.now, "time does not go backwards"
        self.now = moment
        return moment

    def advance(self, **delta) -> datetime:
        return self.move_to(self.now + timedelta(**delta))


def weekdays(start: time, end: time, days=range(5), zone: str = "America/Los_Angeles",
             **kwargs) -> Availability:
    return Availability(zone, tuple(WeeklyHours(d, start, end) for d in days), **kwargs)


OFFICE_HOURS = weekdays(time(9), time(17))


def facilitator(name: str, *, languages=("en",), experienced=True, capacity=4, region=None,
                hours: Availability = OFFICE_HOURS, username: str | None = None) -> Facilitator:
    return Facilitator(f"fac-{name}-{uuid.uuid4().hex[:6]}", name.title(),
                       frozenset(Language(lang) for lang in languages), region, capacity,
                       experienced, hours, username)


def facility(code: str = "SQ", region: str | None = "north") -> Facility:
    return Facility(code, weekdays(time(8), time(15)), region)


def hours_of(*people: Facilitator) -> dict[str, Availability]:
    return {p.facilitator_id: p.availability for p in people}


def slot(start: datetime, hours: float = 1) -> Interval:
    return Interval(start, start + timedelta(hours=hours))


def grant(visitor_id: str, role: VisitorRole, *, facility_code: str = "SQ",
          expires_on: date, at: datetime) -> Clearance:
    return Clearance(str(uuid.uuid4()), visitor_id, role, facility_code, True, at, expires_on)


def deny(visitor_id: str, role: VisitorRole, *, facility_code: str = "SQ",
         at: datetime, reason: str = "security") -> Clearance:
    return Clearance(str(uuid.uuid4()), visitor_id, role, facility_code, False, at, reason=reason)
