"""Preparation: facilitators meet each party separately, as many times as that party needs,
until they can say the party is ready. After the dialogue, the same meetings follow up."""
from collections.abc import Iterable, Mapping
from datetime import datetime

from vod_shared.events import MeetingCancelled, MeetingMode, MeetingScheduled, Party, PartyReady

from scheduling.domain.availability import Availability, zone
from scheduling.domain.booking import Commitment, ensure_bookable
from scheduling.domain.errors import InvalidSchedule, NotFound, NotNow
from scheduling.domain.intervals import Interval
from scheduling.domain.meetings import Meeting, MeetingStatus
from scheduling.domain.stages import Stage

PREPARING = (Stage.PREPARATION, Stage.DIALOGUE_SCHEDULED)


class Preparation:
    """The part of a Case about meetings and readiness (mixed into ``Case``)."""

    def schedule_meeting(self, *, meeting_id: str, party: Party, mode: MeetingMode,
                         when: Interval, place: str | None, now: datetime,
                         commitments: Iterable[Commitment], hours: Mapping[str, Availability],
                         facilitator_ids: tuple[str, ...] = (), follow_up: bool = False) -> Meeting:
        """A meeting with one party; no facilitator is double-booked (buffers included)."""
        self._require_active()
        if not self.facilitator_ids:
            raise NotNow("Assign facilitators before scheduling meetings.")
        if follow_up and self.stage is not Stage.FOLLOW_UP:
            raise NotNow("Follow-up meetings come after the dialogue.")
        if not follow_up and self.stage not in PREPARING:
            raise NotNow("Preparation meetings come before the dialogue.")
        attending = tuple(facilitator_ids) or self.facilitator_ids
        if not set(attending) <= set(self.facilitator_ids):
            raise InvalidSchedule("facilitator_ids", "only the case's own facilitators")
        _must_be_ahead(when, now)
        ensure_bookable(when, attending, commitments=[*commitments, *self.commitments()],
                        hours=hours)
        meeting = Meeting(meeting_id, party, mode, when, attending, place, follow_up)
        self.meetings.append(meeting)
        self._announce_meeting(meeting, hours, now)
        return meeting

    def record_past_meeting(self, *, meeting_id: str, party: Party, mode: MeetingMode,
                            when: Interval, place: str | None, outcome: str, now: datetime,
                            facilitator_ids: tuple[str, ...] = (),
                            follow_up: bool = False) -> Meeting:
        """A meeting entered after it took place (a call that could not wait to be booked)."""
        if self.is_ended:
            raise NotNow("This case has ended.")
        if not self.facilitator_ids:
            raise NotNow("Assign facilitators before recording meetings.")
        if when.end > now:
            raise InvalidSchedule("ends_at", "only a meeting that is over can be recorded as held")
        attending = tuple(facilitator_ids) or self.facilitator_ids
        if not set(attending) <= set(self.facilitator_ids):
            raise InvalidSchedule("facilitator_ids", "only the case's own facilitators")
        meeting = Meeting(meeting_id, party, mode, when, attending, place, follow_up)
        meeting.held(outcome, now)
        self.meetings.append(meeting)
        self.updated_at = now
        return meeting

    def reschedule_meeting(self, meeting_id: str, *, when: Interval, place: str | None,
                           now: datetime, commitments: Iterable[Commitment],
                           hours: Mapping[str, Availability]) -> Meeting:
        self._require_active()
        meeting = self.meeting(meeting_id)
        _must_be_ahead(when, now)
        ensure_bookable(when, meeting.facilitator_ids, moving=meeting_id,
                        commitments=[*commitments, *self.commitments()], hours=hours)
        meeting.move(when, place)
        self._announce_meeting(meeting, hours, now)
        return meeting

    def cancel_meeting(self, meeting_id: str, *, reason: str, now: datetime) -> None:
        meeting = self.meeting(meeting_id)
        meeting.cancel(reason)
        self._record(MeetingCancelled(case_id=self.case_id, meeting_id=meeting_id,
                                      party=meeting.party, reason=reason,
                                      sequence=meeting.sequence, at=now), now)

    def meeting_held(self, meeting_id: str, *, outcome: str, now: datetime) -> None:
        """The meeting took place; ``outcome`` says briefly how it went (staff eyes only)."""
        if self.is_ended:
            raise NotNow("This case has ended.")
        self.meeting(meeting_id).held(outcome, now)
        self.updated_at = now

    def mark_ready(self, party: Party, *, now: datetime) -> None:
        """A facilitator judges ``party`` prepared for the joint dialogue."""
        self._require_active()
        if self.stage not in PREPARING:
            raise NotNow("Parties are marked ready during preparation.")
        if party in self.ready:
            return
        if not any(m.party is party and not m.follow_up and m.status is MeetingStatus.HELD
                   for m in self.meetings):
            raise NotNow(f"The {party.value} has had no preparation meeting yet.")
        self.ready[party] = now
        self._record(PartyReady(case_id=self.case_id, party=party, at=now), now)

    def meeting(self, meeting_id: str) -> Meeting:
        for meeting in self.meetings:
            if meeting.meeting_id == meeting_id:
                return meeting
        raise NotFound(f"No meeting {meeting_id} in this case.")

    def _announce_meeting(self, meeting: Meeting, hours: Mapping[str, Availability],
                          now: datetime) -> None:
        lead = hours.get(meeting.facilitator_ids[0])
        local = zone(lead.time_zone) if lead else None
        self._record(MeetingScheduled(
            case_id=self.case_id, meeting_id=meeting.meeting_id, party=meeting.party,
            mode=meeting.mode, starts_at=meeting.when.start.astimezone(local),
            ends_at=meeting.when.end.astimezone(local),
            facilitator_ids=list(meeting.facilitator_ids),
            follow_up=meeting.follow_up, sequence=meeting.sequence), now)


def _must_be_ahead(when: Interval, now: datetime) -> None:
    if when.start <= now:
        raise InvalidSchedule("starts_at", "a meeting is scheduled for a time still ahead")
