"""The joint dialogue: scheduled only when both parties are ready and, inside a facility, every
visitor's gate clearance holds on that date; at a time the facilitators are free, the facility
receives visitors and it is not blacked out. Rescheduling keeps the same facilitators."""
from collections.abc import Iterable, Mapping
from datetime import date, datetime

from vod_shared.events import (
    ClearanceRequested,
    Party,
    SessionCompleted,
    SessionScheduled,
    Venue,
    VisitorRole,
)

from scheduling.domain.availability import PROGRAM_ZONE, Availability, local_day
from scheduling.domain.booking import Commitment, ensure_bookable
from scheduling.domain.clearances import Clearance, Visitor, clearance_gaps, cleared_until
from scheduling.domain.errors import InvalidSchedule, NotNow, NotReadyForDialogue
from scheduling.domain.facilities import Facility
from scheduling.domain.intervals import Interval
from scheduling.domain.meetings import MeetingStatus
from scheduling.domain.session import DialogueSession, SessionStatus, TravelTask
from scheduling.domain.stages import Stage
from scheduling.domain.surveys import surveys_after_dialogue


class Dialogue:
    """The part of a Case about the joint dialogue (mixed into ``Case``)."""

    @property
    def current_session(self) -> DialogueSession | None:
        return self.sessions[-1] if self.sessions else None

    def visitors(self) -> list[Visitor]:
        """Everyone who must pass the facility's gate for the dialogue."""
        people = [Visitor(self.victim_id, VisitorRole.VICTIM)] if self.victim_id else []
        people += [Visitor(f, VisitorRole.FACILITATOR) for f in self.facilitator_ids]
        people += [Visitor(s, VisitorRole.SUPPORT_PERSON) for s in self.support_person_ids]
        return people

    def dialogue_blockers(self) -> list[str]:
        """What stands between this case and scheduling its dialogue, whatever the date."""
        reasons = []
        if self.is_ended:
            reasons.append("the case has ended")
        if self.is_paused:
            reasons.append("the case is on hold")
        if not self.facilitator_ids:
            reasons.append("no facilitator is assigned")
        if not self.victim_id:
            reasons.append("the victim's request has not reached scheduling yet")
        reasons += [f"the {party.value} is not yet ready" for party in Party
                    if party not in self.ready]
        return reasons

    def venue_problems(self, venue: Venue, when: Interval, facility: Facility | None) -> list[str]:
        """What is wrong with holding the dialogue at ``venue`` then."""
        if venue is Venue.COMMUNITY and not self.on_parole:
            return ["a community venue is for an offender on parole"]
        if venue is not Venue.FACILITY:
            return []
        if self.on_parole or not self.facility_code:
            return ["the offender is not in a facility"]
        if facility is None or facility.code != self.facility_code:
            return [f"facility {self.facility_code} has no visiting hours on file"]
        day = local_day(when.start, facility.time_zone)
        if facility.is_blacked_out(day):
            return [f"{facility.code} receives no visitors on {day.isoformat()} (blackout)"]
        problems = [] if facility.receives_visitors(when) else [
            f"{facility.code} does not receive visitors at that time"]
        return problems + clearance_gaps(self.visitors(), self.clearances,
                                         facility_code=facility.code, day=day)

    def schedule_session(self, *, session_id: str, when: Interval, venue: Venue,
                         place: str | None, facility: Facility | None, now: datetime,
                         commitments: Iterable[Commitment],
                         hours: Mapping[str, Availability]) -> DialogueSession:
        self._check_dialogue(when, venue, place, facility, now)
        current = self.current_session
        if current is not None and current.status is not SessionStatus.CANCELLED:
            raise NotNow(f"The dialogue is already {current.status.value}; reschedule it instead.")
        ensure_bookable(when, self.facilitator_ids, hours=hours,
                        commitments=[*commitments, *self.commitments()])
        inside = venue is Venue.FACILITY
        session = DialogueSession(session_id, when, venue,
                                  facility.time_zone if inside else PROGRAM_ZONE,
                                  self.facilitator_ids, facility.code if inside else None, place)
        self.sessions.append(session)
        self.stage = Stage.DIALOGUE_SCHEDULED
        self._plan_travel(session)
        self._announce_session(session, now)
        return session

    def reschedule_session(self, *, when: Interval, place: str | None, facility: Facility | None,
                           now: datetime, commitments: Iterable[Commitment],
                           hours: Mapping[str, Availability]) -> DialogueSession:
        """A new time for the same dialogue, with the same facilitators."""
        session = self._scheduled_session()
        self._check_dialogue(when, session.venue, place or session.place, facility, now)
        ensure_bookable(when, session.facilitator_ids, hours=hours, moving=session.session_id,
                        commitments=[*commitments, *self.commitments()])
        session.move(when)
        session.place = place or session.place
        self._plan_travel(session)
        self._announce_session(session, now)
        return session

    def cancel_session(self, *, reason: str, now: datetime) -> None:
        self._cancel_session(self._scheduled_session(), reason, now)

    def session_held(self, *, now: datetime) -> None:
        """The dialogue took place: follow-up begins, and the later surveys are set."""
        if self.is_ended:
            raise NotNow("This case has ended.")
        session = self._scheduled_session()
        if self.travel is not None and self.travel.is_open:
            raise NotNow("The victim's travel arrangement is not marked done.")
        session.held(now)
        self.stage = Stage.FOLLOW_UP
        self.surveys.extend(surveys_after_dialogue(now))
        self._record(SessionCompleted(case_id=self.case_id, session_id=session.session_id,
                                      at=now), now)

    def travel_arranged(self, *, now: datetime) -> None:
        if self.travel is None:
            raise NotNow("No travel arrangement is needed for this case.")
        self.travel.done(now)
        self.updated_at = now

    def set_victim_hours(self, hours: Availability | None, *, now: datetime) -> None:
        """When the victim said they can come (in their own zone)."""
        self.victim_hours, self.updated_at = hours, now

    def clearance_decided(self, clearance: Clearance, *, now: datetime) -> None:
        """Screening granted or denied a visitor's gate clearance (a denial may withdraw one), or
        voided it because the offender left that facility; a dialogue there that no longer has
        every visitor cleared is flagged to staff."""
        if any(c.clearance_id == clearance.clearance_id and c.granted == clearance.granted
               for c in self.clearances):
            return  # heard already (a void after a denial of the same clearance changes nothing)
        session = self.current_session
        watched = (session is not None and session.is_upcoming(now)
                   and session.venue is Venue.FACILITY
                   and session.facility_code == clearance.facility_code)
        at_risk_already = watched and bool(self._session_clearance_gaps(session))
        self.clearances.append(clearance)
        if (clearance.visitor_role is VisitorRole.SUPPORT_PERSON
                and clearance.visitor_id not in self.support_person_ids
                and clearance.visitor_id not in self.support_persons_removed):
            self.support_person_ids.append(clearance.visitor_id)
        self.updated_at = now
        if not watched or at_risk_already:
            return  # one alert when the dialogue becomes at risk (a transfer voids every
            # visitor's clearance, one event each), not one per visitor
        if gaps := self._session_clearance_gaps(session):
            self._alert("clearance_lapsed", "The dialogue is at risk: " + "; ".join(gaps), now)

    def support_person_added(self, person_id: str, *, now: datetime) -> None:
        """The victim brings this person to the dialogue: once facilitators are assigned (the
        clearances asked for then name every visitor), their gate clearance is asked for."""
        if (self.is_ended or person_id in self.support_person_ids
                or person_id in self.support_persons_removed):
            return
        self.support_person_ids.append(person_id)
        self.updated_at = now
        if self.facilitator_ids:
            self.request_clearance(reason="support_person_added", now=now)

    def support_person_removed(self, person_id: str, *, now: datetime) -> None:
        """The victim no longer wants them: off the visitors, so their clearance is needed no
        more (a dialogue already scheduled stands)."""
        if person_id not in self.support_persons_removed:
            self.support_persons_removed.append(person_id)
        if person_id in self.support_person_ids:
            self.support_person_ids.remove(person_id)
        self.updated_at = now

    def _session_clearance_gaps(self, session) -> list[str]:
        return clearance_gaps(self.visitors(), self.clearances,
                              facility_code=session.facility_code,
                              day=local_day(session.when.start, session.time_zone))

    def request_clearance(self, *, reason: str, now: datetime) -> None:
        """Ask screening for gate clearance at the offender's facility for every visitor."""
        if self.is_ended or self.on_parole or not self.facility_code:
            return
        session = self.current_session
        needed_by = (local_day(session.when.start, session.time_zone)
                     if session is not None and session.is_upcoming(now) else None)
        self._record(ClearanceRequested(
            case_id=self.case_id, facility_code=self.facility_code, victim_id=self.victim_id,
            facilitator_ids=list(self.facilitator_ids),
            support_person_ids=list(self.support_person_ids),
            reason=reason, needed_by=needed_by, at=now), now)

    def commitments(self) -> list[Commitment]:
        """What this case puts on its facilitators' calendars."""
        taken = [Commitment(f, m.when, self.case_id, m.meeting_id, "meeting")
                 for m in self.meetings if m.status is MeetingStatus.SCHEDULED
                 for f in m.facilitator_ids]
        taken += [Commitment(f, s.when, self.case_id, s.session_id, "session")
                  for s in self.sessions if s.status is SessionStatus.SCHEDULED
                  for f in s.facilitator_ids]
        return taken

    def _check_dialogue(self, when: Interval, venue: Venue, place: str | None,
                        facility: Facility | None, now: datetime) -> None:
        if when.start <= now:
            raise InvalidSchedule("starts_at", "the dialogue is scheduled for a time still ahead")
        if venue is Venue.COMMUNITY and not place:
            raise InvalidSchedule("place", "a community venue needs a place")
        reasons = self.dialogue_blockers() + self.venue_problems(venue, when, facility)
        if reasons:
            raise NotReadyForDialogue(reasons)

    def _scheduled_session(self) -> DialogueSession:
        session = self.current_session
        if session is None or session.status is not SessionStatus.SCHEDULED:
            raise NotNow("No dialogue is scheduled.")
        return session

    def _plan_travel(self, session: DialogueSession) -> None:
        if not self.travel_offered or session.venue is Venue.VIDEO:
            return
        if self.travel is None:
            self.travel = TravelTask(session.session_id, session.when.start)
        else:
            self.travel.reopen_for(session.session_id, session.when.start)

    def _announce_session(self, session: DialogueSession, now: datetime) -> None:
        self._record(SessionScheduled(
            case_id=self.case_id, session_id=session.session_id, starts_at=session.local_start,
            ends_at=session.local_end, venue=session.venue, facility_code=session.facility_code,
            facilitator_ids=list(session.facilitator_ids), time_zone=session.time_zone,
            sequence=session.sequence), now)

    def facility_blacked_out(self, first_day: date, last_day: date, *, now: datetime) -> None:
        """The facility closed to visitors (a lockdown): a dialogue on those days is at risk."""
        session = self.current_session
        if (session is not None and session.is_upcoming(now) and session.venue is Venue.FACILITY
                and first_day <= local_day(session.when.start, session.time_zone) <= last_day):
            self._alert("facility_blackout", f"{session.facility_code} receives no visitors on "
                        f"{local_day(session.when.start, session.time_zone).isoformat()}: "
                        "reschedule the dialogue.", now)

    def slot_blockers(self, venue: Venue, facility: Facility | None,
                      from_day: date) -> tuple[list[str], date | None]:
        """Why no slot can be offered at ``venue``; and, inside a facility, the last day every
        visitor is cleared for (no slot is offered after it)."""
        reasons = self.dialogue_blockers()
        if venue is Venue.COMMUNITY and not self.on_parole:
            return reasons + ["a community venue is for an offender on parole"], None
        if venue is not Venue.FACILITY:
            return reasons, None
        if self.on_parole or not self.facility_code:
            return reasons + ["the offender is not in a facility"], None
        if facility is None:
            return reasons + [f"facility {self.facility_code} has no visiting hours on file"], None
        last_day = cleared_until(self.visitors(), self.clearances, facility_code=facility.code)
        if last_day is None:
            reasons += clearance_gaps(self.visitors(), self.clearances,
                                      facility_code=facility.code, day=from_day)
        elif last_day < from_day:
            reasons.append(f"gate clearance for {facility.code} runs out on {last_day.isoformat()}")
        return reasons, last_day
