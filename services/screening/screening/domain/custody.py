"""The custody registry: where each offender is, as the corrections department reports it.

A call from the department's feed tells of a change that happened (an admission, a transfer, a
release, a parole hearing set...): it is always kept in the offender's history and announced.
A line of a roster only says where someone is as of a date: what changed is worked out from
what the registry already knows, and a line the registry already has, or one older than what
it knows, changes nothing, so loading the same roster twice is harmless.
"""
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from vod_shared.events import CustodyChange, CustodyStatus, CustodyStatusChanged

from screening.domain.errors import InvalidCustodyReport
from screening.domain.rules import CustodyRecord

C, S = CustodyChange, CustodyStatus
NOT_IN_A_FACILITY = frozenset({S.ON_PAROLE, S.DISCHARGED, S.DECEASED, S.ESCAPED})
# What a change leaves the person as; a change not listed may leave them anywhere.
STATUS_AFTER = {
    C.DEATH: {S.DECEASED},
    C.ESCAPE: {S.ESCAPED},
    C.PAROLE_DISCHARGE: {S.DISCHARGED},
    C.TRANSFER: {S.IN_PRISON, S.OUT_OF_STATE},
    C.RETURN: {S.IN_PRISON, S.COUNTY_JAIL, S.FEDERAL_CUSTODY, S.OUT_OF_STATE},
    C.ADMISSION: {S.IN_PRISON},
}


@dataclass(frozen=True)
class CustodyReport:
    cdcr_number: str
    status: CustodyStatus
    facility_code: str | None
    effective_at: datetime
    change: CustodyChange | None = None  # None: a roster line, which names no change
    hearing_date: date | None = None
    execution_date: date | None = None

    @property
    def is_roster_line(self) -> bool:
        return self.change is None


class Skipped(StrEnum):
    """Why a roster line changed nothing."""

    ALREADY_CURRENT = "already_current"
    SUPERSEDED = "superseded"


def check_report(report: CustodyReport) -> None:
    """A report must hold together: someone in a state prison is in a named facility; someone
    on parole, discharged, deceased or escaped is in none; a death leaves the person deceased,
    an escape escaped; a parole hearing comes with its date."""
    if report.status is S.IN_PRISON and not report.facility_code:
        raise InvalidCustodyReport("Someone in a state prison needs the facility's code.",
                                   field="facility_code")
    if report.status in NOT_IN_A_FACILITY and report.facility_code:
        raise InvalidCustodyReport("Someone on parole, discharged, deceased or escaped is not"
                                   " in a facility: the facility code must be null.",
                                   field="facility_code")
    allowed = STATUS_AFTER.get(report.change)
    if allowed and report.status not in allowed:
        raise InvalidCustodyReport("After this change the status must be "
                                   + " or ".join(sorted(s.value for s in allowed)) + ".",
                                   field="status")
    if report.change is C.PAROLE_HEARING and report.hearing_date is None:
        raise InvalidCustodyReport("A parole hearing needs its date.", field="details.hearing_date")


def change_leading_to(previous: CustodyRecord | None, status: CustodyStatus) -> CustodyChange:
    """For a roster line: the change that brought the person where the line says they are."""
    if status is S.IN_PRISON:
        if previous is not None and previous.status is S.ESCAPED:
            return C.RETURN
        if previous is not None and previous.status in (S.IN_PRISON, S.OUT_OF_STATE):
            return C.TRANSFER
        return C.ADMISSION
    if status is S.DISCHARGED:
        on_parole = previous is not None and previous.status is S.ON_PAROLE
        return C.PAROLE_DISCHARGE if on_parole else C.RELEASE
    # county jail, federal custody, out of state: moved into someone else's custody
    return {S.ON_PAROLE: C.RELEASE, S.DECEASED: C.DEATH, S.ESCAPED: C.ESCAPE}.get(
        status, C.TRANSFER)


@dataclass
class OffenderCustody:
    """One offender in the registry: the record in force now, and the changes being recorded."""

    cdcr_number: str
    current: CustodyRecord | None
    events: list[CustodyStatusChanged] = field(default_factory=list, repr=False)

    def skips(self, report: CustodyReport) -> Skipped | None:
        """A roster line the registry already has, or one older than what it knows."""
        if not report.is_roster_line or self.current is None:
            return None
        where_now = (self.current.status, self.current.facility_code)
        if where_now == (report.status, report.facility_code):
            return Skipped.ALREADY_CURRENT
        if self.current.effective_at and report.effective_at < self.current.effective_at:
            return Skipped.SUPERSEDED
        return None

    def is_latest(self, report: CustodyReport) -> bool:
        """Whether the report is the newest news (a late call is kept in the history only)."""
        known = self.current.effective_at if self.current else None
        return known is None or report.effective_at >= known

    def record(self, report: CustodyReport, *, change_id: str,
               in_force_before: CustodyRecord | None) -> bool:
        """Records the change; returns whether it is now the offender's current record.
        ``in_force_before`` is the record the change replaced (for a transfer: where from)."""
        latest = self.is_latest(report)
        first_known = self.current is None and report.is_roster_line
        change = report.change or change_leading_to(self.current, report.status)
        self.events.append(CustodyStatusChanged(
            change_id=change_id, cdcr_number=self.cdcr_number, change=change,
            status=report.status, facility_code=report.facility_code,
            previous_facility_code=in_force_before.facility_code if in_force_before else None,
            effective_at=report.effective_at, hearing_date=report.hearing_date,
            execution_date=report.execution_date, initial_load=first_known,
        ))
        if latest:
            self.current = CustodyRecord(self.cdcr_number, report.status, report.facility_code,
                                         report.effective_at)
        return latest
