"""Holding and ending a case. The victim can hold or withdraw at any step (through intake);
a facilitator, the offender or the program director can hold or close it, with a reason. A
hold cancels every future meeting and the dialogue at once; lifting the last hold brings the
case back to where it was. The offender's custody can hold it too, until they are back.

What staff give as the reason travels on the events as a code (``ReasonCode``) only: topics are
kept forever, and free text is personal data. Their own words stay in scheduling's store, sealed
for scheduling alone (the service layer's staff notes)."""
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from vod_shared.events import (
    ActedBy,
    CaseClosed,
    CasePaused,
    CaseResumed,
    MeetingCancelled,
    SessionCancelled,
)

from scheduling.domain.errors import InvalidSchedule, NotNow
from scheduling.domain.session import DialogueSession, TaskStatus
from scheduling.domain.stages import CUSTODY, VICTIM, Stage

PEOPLE_WHO_NEED_A_REASON = (ActedBy.FACILITATOR, ActedBy.OFFENDER, ActedBy.DIRECTOR)


class ReasonCode(StrEnum):
    """Why staff held, resumed or closed a case: the only reason that leaves scheduling."""

    OFFENDER_UNAVAILABLE = "offender_unavailable"
    VICTIM_UNAVAILABLE = "victim_unavailable"
    FACILITATOR_UNAVAILABLE = "facilitator_unavailable"
    FACILITY_LOCKDOWN = "facility_lockdown"
    SAFETY_CONCERN = "safety_concern"
    HEALTH = "health"
    NEEDS_TIME = "needs_time"
    PROGRAM_DECISION = "program_decision"
    STAFF_REQUEST = "staff_request"
    READY_TO_CONTINUE = "ready_to_continue"
    DIALOGUE_COMPLETED = "dialogue_completed"
    COMPLETED = "completed"
    OTHER = "other"


def reason_code(code: str | None, words: str | None = None) -> ReasonCode:
    """The code for a staff step: the one given; else, for an older client that sends only
    ``reason``, that reason if it is itself a code; else ``other``. An unknown code is refused."""
    if code is None:
        return ReasonCode(words) if words in ReasonCode.__members__.values() else ReasonCode.OTHER
    try:
        return ReasonCode(code)
    except ValueError:
        raise InvalidSchedule("reason_code", "not a known reason code: one of "
                              + ", ".join(c.value for c in ReasonCode)) from None


@dataclass(frozen=True)
class Hold:
    by: str
    reason: str | None
    at: datetime


def hold_key(by: ActedBy) -> str:
    return VICTIM if by in (ActedBy.VICTIM, ActedBy.STAFF_FOR_VICTIM) else by.value


class Holds:
    """The part of a Case about holds and endings (mixed into ``Case``)."""

    # -- holding, withdrawing, closing ---------------------------------------------------

    def pause(self, *, by: ActedBy, reason: str | None, now: datetime, announce: bool) -> None:
        """Put the case on hold: every future meeting and the dialogue are cancelled at once.
        ``announce``: scheduling's own staff acted, so CasePaused goes out."""
        if self.is_ended:
            raise NotNow("This case has ended.")
        if by in PEOPLE_WHO_NEED_A_REASON and not (reason or "").strip():
            raise InvalidSchedule("reason", "a hold by anyone but the victim needs a reason")
        key = hold_key(by)
        if key in self.holds:
            return
        was_paused = self.is_paused
        self.holds[key] = Hold(key, reason, now)
        if not was_paused:
            self._stop_what_is_coming("case_paused", now)
        self._alert("case_paused", f"On hold ({by.value}); future meetings and the dialogue "
                                   "were cancelled.", now)
        if announce:
            self._record(CasePaused(case_id=self.case_id, by=by, reason=reason, at=now), now)

    def resume(self, *, by: ActedBy, reason: str | None, now: datetime, announce: bool) -> None:
        """Lift the hold ``by`` put on; the case goes on from where it was."""
        key = hold_key(by)
        if self.is_ended or key not in self.holds:
            if announce:
                raise NotNow(f"There is no hold by {key} on this case.")
            return
        del self.holds[key]
        if announce:
            self._record(CaseResumed(case_id=self.case_id, by=by, reason=reason, at=now), now)
        self._after_a_hold(now)

    def hold_for_custody(self, reason: str, now: datetime) -> None:
        if self.is_ended or CUSTODY in self.holds:
            return
        was_paused = self.is_paused
        self.holds[CUSTODY] = Hold(CUSTODY, reason, now)
        if not was_paused:
            self._stop_what_is_coming("offender_unavailable", now)
        self._alert("offender_unavailable", f"The offender cannot take part for now ({reason}); "
                                            "future meetings and the dialogue were cancelled.", now)

    def lift_custody_hold(self, now: datetime) -> None:
        if self.holds.pop(CUSTODY, None) is not None:
            self._after_a_hold(now)

    def _after_a_hold(self, now: datetime) -> None:
        if self.is_paused:
            still = ", ".join(sorted(self.holds))
            self._alert("hold_lifted", f"One hold was lifted; still on hold by {still}.", now)
        else:
            self._alert("case_resumed", f"The case resumed at {self.stage.value.replace('_', ' ')}"
                                        "; plan the next meetings again.", now)

    def withdraw(self, now: datetime) -> None:
        """The victim withdrew: everything stops."""
        if not self.is_ended:
            self._end(Stage.WITHDRAWN, "withdrawn", now)

    def close(self, *, reason: str, by: ActedBy | None, now: datetime) -> None:
        """End the case with a reason (a facilitator, the offender, the director, or a death or
        discharge in custody); CaseClosed tells the other services."""
        if not reason.strip():
            raise InvalidSchedule("reason", "a case is closed with a reason")
        if self.stage in (Stage.WITHDRAWN, Stage.CLOSED):
            raise NotNow(f"This case has already ended ({self.stage.value}).")
        self._end(Stage.CLOSED, reason, now)
        self._record(CaseClosed(case_id=self.case_id, reason=reason, by=by, at=now), now)

    def _end(self, stage: Stage, reason: str, now: datetime) -> None:
        # A case closed after its dialogue still asks participants months later.
        keep_surveys = stage is Stage.CLOSED and self.stage is Stage.FOLLOW_UP
        self._stop_what_is_coming(f"case_{stage.value}", now)
        if not keep_surveys:
            for survey in self.surveys:
                survey.cancel()
        self.stage, self.end_reason, self.ended_at = stage, reason, now
        self.holds.clear()
        self._alert(f"case_{stage.value}", f"The case ended ({reason}).", now)

    def joint_dialogue_off(self, reason: str, now: datetime) -> bool:
        """A linked participant's hold puts the joint dialogue off for everyone: this case's
        session, if still to come, is cancelled with ``reason`` (a ``case_`` reason, so its
        participant is told quietly and never why), and staff are alerted. True if cancelled."""
        session = self.current_session
        if session is None or not session.is_upcoming(now):
            return False
        self._cancel_session(session, reason, now)
        # Neutral: this case's staff may not see the others' (nor why one cannot go ahead).
        self._alert("joint_dialogue_off", "The joint dialogue was cancelled for every "
                                          "participant: one of its cases cannot go ahead for "
                                          "now. Schedule it again once all are ready.", now)
        return True

    def _stop_what_is_coming(self, reason: str, now: datetime) -> None:
        for meeting in self.meetings:
            if meeting.is_upcoming(now):
                meeting.cancel(reason)
                self._record(MeetingCancelled(case_id=self.case_id, meeting_id=meeting.meeting_id,
                                              party=meeting.party, reason=reason,
                                              sequence=meeting.sequence, at=now), now)
        session = self.current_session
        if session is not None and session.is_upcoming(now):
            self._cancel_session(session, reason, now)

    def _cancel_session(self, session: DialogueSession, reason: str, now: datetime) -> None:
        session.cancel(reason)
        if self.travel is not None and self.travel.is_open:
            self.travel.status = TaskStatus.CANCELLED
        if self.stage is Stage.DIALOGUE_SCHEDULED:
            self.stage = Stage.PREPARATION
        self._record(SessionCancelled(case_id=self.case_id, session_id=session.session_id,
                                      reason=reason, sequence=session.sequence, at=now), now)
