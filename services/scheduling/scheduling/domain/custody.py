"""What a change in the offender's custody does to the dialogue.

A transfer cancels a dialogue at the old facility and asks for clearance at the new one; a
release to parole moves the dialogue to a community place; a death or a discharge closes the
case with that reason; an escape, or custody where no dialogue can happen, holds the case
until the offender is back.
"""
from datetime import datetime

from vod_shared.events import CustodyStatus, SessionScheduled, Venue

from scheduling.domain.availability import PROGRAM_ZONE
from scheduling.domain.stages import Stage

CLOSES_THE_CASE = {
    CustodyStatus.DECEASED: "offender_deceased",
    CustodyStatus.DISCHARGED: "offender_discharged",
}
HOLDS_THE_CASE = (CustodyStatus.ESCAPED, CustodyStatus.COUNTY_JAIL,
                  CustodyStatus.FEDERAL_CUSTODY, CustodyStatus.OUT_OF_STATE)


class CustodyMoves:
    """The part of a Case that follows the offender's custody (mixed into ``Case``)."""

    def custody_changed(self, *, status: CustodyStatus, facility_code: str | None,
                        effective_at: datetime, now: datetime) -> None:
        if self.stage in (Stage.WITHDRAWN, Stage.CLOSED):
            return
        if self.custody_as_of is not None and effective_at < self.custody_as_of:
            return  # older news than what the case already follows
        self.custody_as_of = effective_at
        if status in CLOSES_THE_CASE:
            self.close(reason=CLOSES_THE_CASE[status], by=None, now=now)
            return
        before, was_on_parole = self.facility_code, self.on_parole
        self.on_parole = status is CustodyStatus.ON_PAROLE
        if status is CustodyStatus.IN_PRISON:
            self.facility_code = facility_code
        elif status not in HOLDS_THE_CASE:  # an escapee's last facility is kept for the return
            self.facility_code = None
        if self.is_ended:
            return
        if status in HOLDS_THE_CASE:
            self.hold_for_custody(f"offender_{status.value}", now)
            return
        self.lift_custody_hold(now)
        if status is CustodyStatus.IN_PRISON and facility_code and facility_code != before:
            if before is not None or was_on_parole:  # else the first the case hears of it
                self._moved_to(facility_code, before or "the community", now)
        elif status is CustodyStatus.ON_PAROLE and not was_on_parole:
            self._released_to_parole(now)

    def _learn_custody(self, facility_code: str | None, on_parole: bool) -> None:
        """Screening's view of where the offender is; the custody feed's own word wins."""
        if self.custody_as_of is None:
            self.facility_code, self.on_parole = facility_code, on_parole

    def _moved_to(self, facility_code: str, before: str, now: datetime) -> None:
        session = self.current_session
        if session is not None and session.is_upcoming(now):
            if session.venue is Venue.VIDEO:
                self._alert("offender_transferred", f"The offender moved from {before} to "
                            f"{facility_code}; arrange the video dialogue with the new facility.",
                            now)
            else:
                self._cancel_session(session, "offender_transferred", now)
                self._alert("session_cancelled", f"The offender moved from {before} to "
                            f"{facility_code}; the dialogue was cancelled and new gate clearance "
                            "asked for.", now)
        else:
            self._alert("offender_transferred",
                        f"The offender moved from {before} to {facility_code}.", now)
        if self.facilitator_ids:
            self.request_clearance(reason="offender_transferred", now=now)

    def _released_to_parole(self, now: datetime) -> None:
        session = self.current_session
        if session is None or not session.is_upcoming(now) or session.venue is not Venue.FACILITY:
            self._alert("offender_released", "The offender is on parole; the dialogue will be "
                                             "in the community (or by video).", now)
            return
        session.move_venue(Venue.COMMUNITY, time_zone=PROGRAM_ZONE, facility_code=None, place=None)
        self._record(SessionScheduled(
            case_id=self.case_id, session_id=session.session_id, starts_at=session.local_start,
            ends_at=session.local_end, venue=session.venue, facility_code=None,
            facilitator_ids=list(session.facilitator_ids), time_zone=session.time_zone,
            sequence=session.sequence), now)
        self._alert("venue_moved", "The offender was released to parole: the dialogue keeps its "
                                   "time and moves to the community. Choose the place.", now)
