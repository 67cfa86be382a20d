"""Gate clearance for a dialogue inside a facility.

Every visitor (the victim, a support person, each facilitator) needs one for that facility. A
request is granted until an expiry date or denied with a reason; a grant can be withdrawn later
(a denial). When the offender leaves the facility (a transfer, say), the clearances for it are
void: the dialogue cannot take place there any more.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from vod_shared.events import (
    ClearanceDenied,
    ClearanceGranted,
    ClearanceVoided,
    CustodyChange,
    EventData,
    VisitorRole,
)

from screening.domain.errors import InvalidDecision, NotNow

LONGEST = timedelta(days=366)  # a gate clearance is renewed at least yearly
EXPIRING_WITHIN = timedelta(days=30)
DENIAL_REASONS = {
    "background_check": "Did not pass the background check",
    "visiting_restriction": "Under a visiting restriction at this facility",
    "incomplete_application": "The application is incomplete",
    "facility_refused": "The facility refused entry",
    "withdrawn_by_facility": "Withdrawn by the facility",
}


class ClearanceStatus(StrEnum):
    REQUESTED = "requested"
    GRANTED = "granted"
    DENIED = "denied"
    VOIDED = "voided"


@dataclass
class Clearance:
    clearance_id: str
    case_id: str
    visitor_id: str
    visitor_role: VisitorRole
    facility_code: str
    requested_at: datetime
    requested_by: str
    status: ClearanceStatus = ClearanceStatus.REQUESTED
    decided_at: datetime | None = None
    decided_by: str | None = None
    expires_on: date | None = None
    reason: str | None = None
    events: list[EventData] = field(default_factory=list, repr=False)

    @property
    def is_active(self) -> bool:
        """Requested or granted: it still stands for the visitor at this facility."""
        return self.status in (ClearanceStatus.REQUESTED, ClearanceStatus.GRANTED)

    def holds_on(self, day: date) -> bool:
        return self.status is ClearanceStatus.GRANTED and day <= self.expires_on

    def grant(self, *, expires_on: date, by: str, now: datetime) -> None:
        if self.status is not ClearanceStatus.REQUESTED:
            raise NotNow(f"This clearance is {self.status.value}, not waiting for a decision.")
        today = now.date()
        if expires_on <= today:
            raise InvalidDecision("The expiry must be a date after today.", field="expires_on")
        if expires_on > today + LONGEST:
            raise InvalidDecision("A gate clearance lasts at most a year: choose an earlier "
                                  "expiry.", field="expires_on")
        self._decided(ClearanceStatus.GRANTED, by, now, expires_on=expires_on)
        self.events.append(ClearanceGranted(
            case_id=self.case_id, clearance_id=self.clearance_id, visitor_id=self.visitor_id,
            visitor_role=self.visitor_role, facility_code=self.facility_code,
            expires_on=expires_on, decided_at=now))

    def deny(self, *, reason: str, by: str, now: datetime) -> None:
        """Refuses a request, or withdraws a grant."""
        if not self.is_active:
            raise NotNow(f"This clearance is {self.status.value} already.")
        if reason not in DENIAL_REASONS:
            raise InvalidDecision("Choose one of the reasons for a denial.", field="reason")
        self._decided(ClearanceStatus.DENIED, by, now, reason=reason)
        self.events.append(ClearanceDenied(
            case_id=self.case_id, clearance_id=self.clearance_id, visitor_id=self.visitor_id,
            visitor_role=self.visitor_role, facility_code=self.facility_code, reason=reason,
            decided_at=now))

    def void(self, *, reason: str, now: datetime) -> None:
        if not self.is_active:
            return
        self._decided(ClearanceStatus.VOIDED, "system", now, reason=reason)
        self.events.append(ClearanceVoided(
            case_id=self.case_id, clearance_id=self.clearance_id, visitor_id=self.visitor_id,
            visitor_role=self.visitor_role, facility_code=self.facility_code, reason=reason,
            voided_at=now))

    def _decided(self, status: ClearanceStatus, by: str, now: datetime, *,
                 expires_on: date | None = None, reason: str | None = None) -> None:
        self.status, self.decided_by, self.decided_at = status, by, now
        self.expires_on, self.reason = expires_on or self.expires_on, reason


def check_new_request(existing: list[Clearance], *, visitor_id: str, facility_code: str,
                      today: date) -> None:
    """One standing clearance per visitor and facility: refuse a second while the first is
    waiting or still holds."""
    for clearance in existing:
        same = (clearance.visitor_id, clearance.facility_code) == (visitor_id, facility_code)
        if same and clearance.status is ClearanceStatus.REQUESTED:
            raise NotNow("This visitor's clearance for this facility is already requested.")
        if same and clearance.holds_on(today):
            raise NotNow(f"This visitor is cleared for this facility until "
                         f"{clearance.expires_on.isoformat()}.")


def void_after_move(clearances: list[Clearance], *, left: str, now_at: str | None,
                    change: CustodyChange, now: datetime) -> list[Clearance]:
    """The offender left the facility ``left`` and is now at ``now_at`` (None: in no facility):
    every standing clearance for ``left`` is void. Returns the clearances voided."""
    if now_at == left:
        return []  # a late report of a move they have since come back from
    reason = ("offender_transferred" if change is CustodyChange.TRANSFER
              else "offender_left_facility")
    voided = [c for c in clearances if c.is_active and c.facility_code == left]
    for clearance in voided:
        clearance.void(reason=reason, now=now)
    return voided


def expiring(clearances: list[Clearance], *, today: date,
             within: timedelta = EXPIRING_WITHIN) -> list[Clearance]:
    """Granted clearances that still hold today and lapse within ``within``, soonest first."""
    last_day = today + within
    return sorted((c for c in clearances if c.holds_on(today) and c.expires_on <= last_day),
                  key=lambda c: (c.expires_on, c.case_id, c.visitor_role.value))
