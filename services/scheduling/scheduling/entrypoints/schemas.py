"""The staff API's bodies. Times carry their UTC offset (a bare local time is refused)."""
from datetime import date, time, timedelta
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from vod_shared.events import ActedBy, Language, MeetingMode, Party, Venue

from scheduling.domain.availability import PROGRAM_ZONE, Availability, DaysOff, WeeklyHours
from scheduling.domain.holds import ReasonCode
from scheduling.domain.intervals import Interval

Short = Annotated[str, Field(min_length=1, max_length=200)]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]


class WeeklyHoursIn(BaseModel):
    weekday: int = Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday")
    start: time
    end: time


class DaysOffIn(BaseModel):
    first_day: date
    last_day: date
    reason: str | None = Field(None, max_length=100)


class AvailabilityIn(BaseModel):
    time_zone: str = Field(PROGRAM_ZONE, description="IANA zone the hours are in")
    weekly: list[WeeklyHoursIn] = []
    days_off: list[DaysOffIn] = []

    def to_domain(self) -> Availability:
        return Availability(self.time_zone,
                            tuple(WeeklyHours(h.weekday, h.start, h.end) for h in self.weekly),
                            tuple(DaysOff(d.first_day, d.last_day, d.reason)
                                  for d in self.days_off))


class FacilitatorIn(BaseModel):
    display_name: Annotated[str, Field(min_length=1, max_length=120)]
    languages: list[Language] = Field(min_length=1)
    region: str | None = Field(None, max_length=64)
    capacity: int = Field(4, ge=0, le=50, description="open cases they can carry")
    experienced: bool = True
    availability: AvailabilityIn
    staff_username: str | None = Field(None, max_length=64)


class FacilitatorUpdate(BaseModel):
    display_name: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    languages: list[Language] | None = Field(None, min_length=1)
    region: str | None = Field(None, max_length=64)
    capacity: int | None = Field(None, ge=0, le=50)
    experienced: bool | None = None
    availability: AvailabilityIn | None = None
    active: bool | None = None


class FacilityIn(BaseModel):
    region: str | None = Field(None, max_length=64)
    visiting_hours: AvailabilityIn


class BlackoutIn(BaseModel):
    first_day: date
    last_day: date
    reason: str | None = Field(None, max_length=100)


class AssignIn(BaseModel):
    facilitator_ids: list[str] = Field(min_length=1, max_length=2)
    reason: Code = "reassigned"


class _Timed(BaseModel):
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = None
    duration_minutes: int | None = Field(None, ge=15, le=8 * 60)

    def interval(self, default_minutes: int) -> Interval:
        end = self.ends_at or self.starts_at + timedelta(
            minutes=self.duration_minutes or default_minutes)
        return Interval(self.starts_at, end)

    @model_validator(mode="after")
    def _ends_after_start(self):
        if self.ends_at is not None and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class MeetingIn(_Timed):
    party: Party
    mode: MeetingMode
    place: str | None = Field(None, max_length=200)
    facilitator_ids: list[str] = []
    follow_up: bool = False


class PastMeetingIn(MeetingIn):
    outcome: Annotated[str, Field(min_length=1, max_length=280)]


class MeetingMoveIn(_Timed):
    place: str | None = Field(None, max_length=200)


class CancelIn(BaseModel):
    reason: Code = "staff"


class OutcomeIn(BaseModel):
    outcome: Annotated[str, Field(min_length=1, max_length=280)]


class SessionIn(_Timed):
    venue: Venue
    place: str | None = Field(None, max_length=200)


class SessionMoveIn(_Timed):
    place: str | None = Field(None, max_length=200)


REASON_CODE = Field(None, description="Why, as a code: the only reason on the events (missing: "
                                      "``reason`` if it is itself a code, else ``other``)")
OWN_WORDS = Field(None, description="Staff's own words, optional: kept sealed in scheduling for "
                                    "its staff pages, never on an event")


class CaseStepIn(BaseModel):
    by: ActedBy = Field(description="facilitator, offender or director (the victim acts "
                                    "through intake)")
    reason_code: ReasonCode | None = REASON_CODE
    reason: Short | None = OWN_WORDS


class CloseIn(BaseModel):
    by: ActedBy
    reason_code: ReasonCode | None = REASON_CODE
    reason: Short | None = OWN_WORDS


class SurveyAnswersIn(BaseModel):
    answers: dict[str, int]
