"""The custody feed's wire format, exactly as docs/contract.md gives it, and a roster's columns.
Unknown fields are refused."""
import re
from datetime import date, timezone

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from vod_shared.events import CustodyChange, CustodyStatus

from screening.domain.custody import CustodyReport

CDCR_NUMBER = re.compile(r"^(?:[A-Z]\d{5}|[A-Z]{2}\d{4})$")
FACILITY_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,15}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CustodyLine(_Strict):
    """Where an offender is, as of when: the fields a feed call and a roster line share."""

    cdcr_number: str = Field(examples=["AB1234"])
    status: CustodyStatus
    facility_code: str | None = Field(None, examples=["SQ"],
                                      description="null when the person is not in a facility")
    effective_at: AwareDatetime = Field(examples=["2026-11-20T08:00:00-08:00"],
                                        description="with its UTC offset")

    @field_validator("cdcr_number")
    @classmethod
    def _cdcr(cls, value: str) -> str:
        value = value.upper()
        if not CDCR_NUMBER.match(value):
            raise ValueError("one letter and five digits, or two letters and four digits")
        return value

    @field_validator("facility_code")
    @classmethod
    def _facility(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.upper()
        if not FACILITY_CODE.match(value):
            raise ValueError("a facility code of letters and digits (at most 16), or null")
        return value

    def to_report(self) -> CustodyReport:
        return CustodyReport(self.cdcr_number, self.status, self.facility_code,
                             self.effective_at.astimezone(timezone.utc))


class CustodyDetailsIn(_Strict):
    hearing_date: date | None = Field(None, description="for a parole_hearing")
    execution_date: date | None = Field(None, description="for a scheduled_execution")


class CustodyChangeIn(CustodyLine):
    """One change from the corrections department's custody feed."""

    change: CustodyChange
    details: CustodyDetailsIn = Field(default_factory=CustodyDetailsIn)

    def to_report(self) -> CustodyReport:
        line = super().to_report()
        return CustodyReport(line.cdcr_number, line.status, line.facility_code, line.effective_at,
                             change=self.change, hearing_date=self.details.hearing_date,
                             execution_date=self.details.execution_date)


class ChangeAccepted(BaseModel):
    change_id: str
