"""Gate clearance: inside a facility every visitor (victim, support person, facilitators) needs
one for that facility, and it must still hold on the day of the dialogue. A clearance expires
(``expires_on`` is its last good day), is withdrawn (a later denial), or is void because the
offender left that facility (screening's ``ClearanceVoided``: as if it had never been granted)."""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from vod_shared.events import VisitorRole


@dataclass(frozen=True)
class Clearance:
    clearance_id: str
    visitor_id: str
    visitor_role: VisitorRole
    facility_code: str
    granted: bool
    decided_at: datetime
    expires_on: date | None = None
    reason: str | None = None  # a denial's (or a void's) reason code
    voided: bool = False  # not a decision about the visitor: the offender left the facility

    @classmethod
    def void(cls, clearance_id: str, visitor_id: str, visitor_role: VisitorRole,
             facility_code: str, *, reason: str, at: datetime) -> "Clearance":
        """Screening's word that this clearance no longer holds (the offender moved away)."""
        return cls(clearance_id, visitor_id, visitor_role, facility_code, False, at,
                   reason=reason, voided=True)

    def holds_on(self, day: date) -> bool:
        return self.granted and self.expires_on is not None and day <= self.expires_on


@dataclass(frozen=True)
class Visitor:
    visitor_id: str
    role: VisitorRole


def latest_decision(clearances: Iterable[Clearance], visitor_id: str,
                    facility_code: str) -> Clearance | None:
    """Screening's last word on this visitor at this facility (a denial withdraws a grant);
    of two decided at the same moment, the one heard last."""
    last = None
    for decision in clearances:
        if decision.visitor_id == visitor_id and decision.facility_code == facility_code:
            if last is None or decision.decided_at >= last.decided_at:
                last = decision
    return last


def clearance_gaps(visitors: Iterable[Visitor], clearances: Iterable[Clearance], *,
                   facility_code: str, day: date) -> list[str]:
    """Why not every visitor may enter ``facility_code`` on ``day``; empty when all may."""
    clearances = list(clearances)
    gaps = []
    for visitor in visitors:
        who = f"{visitor.role.value.replace('_', ' ')} {visitor.visitor_id}"
        decision = latest_decision(clearances, visitor.visitor_id, facility_code)
        if decision is None:
            gaps.append(f"{who} has no gate clearance for {facility_code}")
        elif decision.voided:
            gaps.append(f"{who}'s gate clearance for {facility_code} is void "
                        f"({(decision.reason or 'voided').replace('_', ' ')}); "
                        "new gate clearance is needed")
        elif not decision.granted:
            gaps.append(f"{who} was denied gate clearance for {facility_code}")
        elif not decision.holds_on(day):
            gaps.append(f"{who}'s gate clearance for {facility_code} expires on "
                        f"{decision.expires_on.isoformat()}, before {day.isoformat()}")
    return gaps


def cleared_until(visitors: Iterable[Visitor], clearances: Iterable[Clearance], *,
                  facility_code: str) -> date | None:
    """The last day every visitor is cleared for ``facility_code``; None if someone is not."""
    clearances = list(clearances)
    last = None
    for visitor in visitors:
        decision = latest_decision(clearances, visitor.visitor_id, facility_code)
        if decision is None or not decision.granted or decision.expires_on is None:
            return None
        last = decision.expires_on if last is None else min(last, decision.expires_on)
    return last
