"""The staff API's bodies and answers. Forms on the pages are checked with the same models."""
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vod_shared.events import EligibilityOutcome, ScreeningOutcome, VisitorRole

from screening.domain import commands
from screening.domain.suitability import Findings
from screening.entrypoints.duplicate_schemas import OtherCaseOut, PossibleDuplicateOut
from screening.entrypoints.schemas import FACILITY_CODE


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _facility(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    value = value.upper()
    if not FACILITY_CODE.match(value):
        raise ValueError("a facility code: letters and digits, at most 16, such as SQ")
    return value


class EligibilityDecisionIn(_In):
    outcome: Literal["eligible", "ineligible"]
    reason: str = Field(min_length=1, max_length=64,
                        description="in_state_prison or on_state_parole when eligible; "
                                    "county_jail, federal_custody, out_of_state, discharged, "
                                    "deceased, escaped or not_cdcr_offender when not")
    facility_code: str | None = Field(None, description="the prison, when in_state_prison")
    _check_facility = field_validator("facility_code")(_facility)

    def to_command(self, case_id: str) -> commands.ResolveReview:
        return commands.ResolveReview(case_id, EligibilityOutcome(self.outcome), self.reason,
                                      self.facility_code)


class ScreeningDecisionIn(_In):
    offender_consents: bool = Field(description="takes part of their own free will")
    offender_acknowledges_responsibility: bool
    safety_concerns: bool
    victim_ready: bool
    outcome: ScreeningOutcome

    def to_command(self, case_id: str) -> commands.CompleteScreening:
        findings = Findings(self.offender_consents, self.offender_acknowledges_responsibility,
                            self.safety_concerns, self.victim_ready)
        return commands.CompleteScreening(case_id, findings, self.outcome)


class ClearanceRequestIn(_In):
    visitor_id: str = Field(min_length=1, max_length=64)
    visitor_role: VisitorRole
    facility_code: str
    _check_facility = field_validator("facility_code")(_facility)

    def to_command(self, case_id: str) -> commands.RequestClearance:
        return commands.RequestClearance(case_id, self.visitor_id, self.visitor_role,
                                         self.facility_code)


class ClearanceGrantIn(_In):
    expires_on: date = Field(description="the last day it holds; after today, within a year")


class ClearanceDenyIn(_In):
    reason: str = Field(min_length=1, max_length=64,
                        description="background_check, visiting_restriction, "
                                    "incomplete_application, facility_refused or "
                                    "withdrawn_by_facility")


class Created(BaseModel):
    clearance_id: str


class Recorded(BaseModel):
    case_id: str
    stage: str


class QueueItemOut(BaseModel):
    case_id: str
    reference: str | None
    cdcr_number: str
    stage: str
    waiting_since: datetime
    waited_hours: int
    waited: str
    facility_code: str | None
    paused: bool
    possible_duplicate: bool = Field(False, description="waits for a person to decide whether "
                                                        "its requester made another case")
    possible_duplicate_of: list[OtherCaseOut] = Field(default_factory=list)


class QueueOut(BaseModel):
    count: int
    items: list[QueueItemOut]


class ClearanceOut(BaseModel):
    clearance_id: str
    case_id: str
    reference: str | None = None
    visitor_id: str
    visitor_role: VisitorRole
    facility_code: str
    status: str
    requested_at: datetime
    requested_by: str
    decided_at: datetime | None
    decided_by: str | None
    expires_on: date | None
    reason: str | None


class TimelineOut(BaseModel):
    event_id: str
    type: str
    source: str
    at: datetime
    summary: str


class VisitorOut(BaseModel):
    visitor_id: str
    role: VisitorRole
    staff_account: str | None


class CaseOut(BaseModel):
    case_id: str
    reference: str | None
    cdcr_number: str
    status: str
    stage: str
    paused: bool
    requester_id: str | None
    requester_name: str | None = Field(description="opened for this answer only; audited")
    travel_accommodation: bool | None = Field(
        None, description="whether the victim lives outside California, so is offered travel "
                          "accommodation; null when not known. Opened for this answer only; "
                          "audited")
    details_erased: bool = Field(
        False, description="the requester was erased: their name and what they told about the "
                           "case no longer open anywhere (shown as null)")
    eligibility: dict | None
    suitability: dict | None
    visitors: list[VisitorOut]
    waiting_on: list[dict]
    clearances: list[ClearanceOut]
    possible_duplicates: list[PossibleDuplicateOut] = Field(default_factory=list)
    timeline: list[TimelineOut]

