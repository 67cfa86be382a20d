"""The victim's side of scheduling: their preparation meetings, the joint dialogue, a reminder the
day before each, and the participant surveys. Pure: the time is passed in.

- Only the victim hears of it, and only of what is theirs: their own meetings (never the
  offender's), the dialogue, their surveys. Nothing of a meeting already begun, nothing after
  they withdraw, and nothing but a survey after the case closes (the program asks participants
  about their experience months after the dialogue).
- Each meeting and the dialogue has a reminder the day before, at the same time of day on the
  clock where it takes place (the dialogue's venue zone, else the program's: 23 or 25 hours
  ahead when the clocks change in between; a text waits out the night), unless it is too near
  for a reminder to add anything; the invitation promises a reminder only when one is planned.
- The dialogue's invitation goes by email with a calendar file (METHOD:REQUEST) whatever channel
  they prefer, and by text as well if they prefer texts. A change is a new invitation that
  replaces the last (the same UID, a higher SEQUENCE); a version already planned is not planned
  again, and what still waited of the earlier one is dropped.
- A change that keeps the start time (a new place or venue, a new end) is told as an update,
  not as a new date.
- A cancellation is told only to someone who was told of the meeting, and only once. One that
  the case's own pause, withdrawal or closure brought about is not told again (the confirmation
  of that step says it), except the dialogue's calendar cancellation (METHOD:CANCEL), which goes
  by email even after they withdrew, so that the entry leaves their calendar; it goes by email
  or not at all (never as a text instead), and nobody is asked to reach them about it.
- An invitation or a reminder that could not go before the start is not sent afterwards.
"""
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vod_shared.events import (
    Channel,
    MeetingCancelled,
    MeetingScheduled,
    Party,
    SessionCancelled,
    SessionScheduled,
    SurveyDue,
)

from notifications.domain.delivery import Delivery, Status
from notifications.domain.model import Case, CaseState, Notice
from vod_shared.zones import PROGRAM_ZONE

REMINDER_AHEAD = timedelta(days=1)  # on the local calendar, not 24 hours
# A reminder due sooner than this after the invitation would only repeat it.
REMINDER_MIN_GAP = timedelta(hours=12)
MEETING = ("meeting_id", "meeting_scheduled", "meeting_reminder", "meeting_cancelled")
SESSION = ("session_id", "session_invitation", "session_reminder", "session_cancelled")
# Worth reading only before the meeting or the dialogue starts.
BEFORE_THE_START = frozenset({"meeting_scheduled", "meeting_reminder", "session_invitation",
                              "session_reminder"})
# Goes whatever becomes of the case meanwhile: a pause or a withdrawal does not hold it back.
SENT_WHATEVER_THE_CASE = frozenset({"session_cancelled"})
_TOLD = frozenset({Status.SENT, Status.SENDING, Status.UNKNOWN})
_WAITING = frozenset({Status.PENDING, Status.PAUSED})


@dataclass(frozen=True)
class History:
    """What was already planned and told of one meeting, or of the dialogue."""

    told: dict | None = None  # the facts of the last invitation that went (or may have)
    planned_sequence: int = -1  # the latest version planned, told or not
    waiting: tuple[str, ...] = ()  # invitations and reminders not gone yet (delivery ids)
    cancellation_planned: bool = False  # since the last invitation that went


def history(deliveries: list[Delivery], kind: tuple[str, str, str, str]) -> History:
    """From the case's deliveries about one meeting (or the dialogue), oldest first."""
    _, invitation, reminder, cancellation = kind
    invitations = [d for d in deliveries if d.template == invitation]
    told = [d for d in invitations if d.status in _TOLD]
    planned = [int(d.params["sequence"]) for d in invitations if d.status is not Status.CANCELLED]
    return History(told=told[-1].params if told else None,
                   planned_sequence=max(planned, default=-1),
                   waiting=tuple(d.id for d in deliveries if d.status in _WAITING
                                 and d.template in (invitation, reminder)),
                   cancellation_planned=bool(told) and any(
                       d.template == cancellation and d.status is not Status.CANCELLED
                       and d.seq > told[-1].seq for d in deliveries))


def meeting_notices(case: Case, event: MeetingScheduled, known: History, *,
                    now: datetime) -> list[Notice]:
    if (event.party is not Party.VICTIM or case.ended or event.starts_at <= now
            or event.sequence <= known.planned_sequence):
        return []
    facts = {"meeting_id": event.meeting_id, "sequence": str(event.sequence),
             "mode": event.mode.value, "follow_up": _yes(event.follow_up),
             **_times(event.starts_at, event.ends_at)}
    reminder = _reminder(case, "meeting_reminder", facts, event.starts_at, now)
    invitation = _to_victim(case, "meeting_scheduled", {
        **facts, **_change(known.told, event.starts_at), "reminder": _yes(bool(reminder))})
    return [invitation, *reminder]


def meeting_cancelled_notice(case: Case, event: MeetingCancelled, known: History, *,
                             now: datetime) -> Notice | None:
    told = known.told
    if (event.party is not Party.VICTIM or told is None or known.cancellation_planned
            or case.ended or _by_the_case(event.reason) or _begun(told, now)):
        return None
    return _to_victim(case, "meeting_cancelled", {
        **_keep(told, "meeting_id", "mode", "follow_up", "starts_at", "ends_at"),
        "sequence": str(event.sequence)})


def session_notices(case: Case, event: SessionScheduled, known: History, *,
                    now: datetime) -> list[Notice]:
    if case.ended or event.starts_at <= now or event.sequence <= known.planned_sequence:
        return []
    facts = {"session_id": event.session_id, "sequence": str(event.sequence),
             "venue": event.venue.value, "facility_code": event.facility_code,
             "time_zone": event.time_zone, **_times(event.starts_at, event.ends_at)}
    reminder = _reminder(case, "session_reminder", facts, event.starts_at, now,
                         time_zone=event.time_zone)
    invitation = _to_victim(case, "session_invitation", {
        **facts, **_change(known.told, event.starts_at), "ics_method": "REQUEST",
        "issued_at": now.isoformat(), "reminder": _yes(bool(reminder))},
        channels=_with_email(case.channel))
    return [invitation, *reminder]


def session_cancelled_notice(case: Case, event: SessionCancelled, known: History, *,
                             now: datetime) -> Notice | None:
    told = known.told
    if told is None or known.cancellation_planned or _begun(told, now):
        return None
    quietly = case.ended or _by_the_case(event.reason)
    # A calendar takes a cancellation only with a SEQUENCE above the invitation's.
    sequence = max(event.sequence, int(told["sequence"]) + 1)
    return _to_victim(case, "session_cancelled", {
        **_keep(told, "session_id", "venue", "facility_code", "starts_at", "ends_at"),
        "sequence": str(sequence), "ics_method": "CANCEL", "issued_at": now.isoformat(),
        "by_the_case": _yes(quietly)},
        channels=(Channel.EMAIL,) if quietly else _with_email(case.channel))


def survey_notice(case: Case, event: SurveyDue) -> Notice | None:
    """The victim's survey (the offender's is handed over by a facilitator)."""
    if (event.party is not Party.VICTIM or event.recipient_id is None
            or case.state is CaseState.WITHDRAWN):
        return None
    return _to_victim(case, "survey_invitation",
                      {"survey_id": event.survey_id, "stage": event.stage.value})


def calendar_only(template: str, params: dict) -> bool:
    """The dialogue's calendar cancellation after the case's own pause, withdrawal or closure:
    it only takes the entry out of their calendar."""
    return template == "session_cancelled" and params.get("by_the_case") == "yes"


def too_late(template: str, params: dict, now: datetime) -> bool:
    """An invitation or a reminder whose meeting (or dialogue) has started: it did not go in
    time (the service or a provider was down), and afterwards it would only mislead."""
    starts_at = params.get("starts_at")
    return (template in BEFORE_THE_START and starts_at is not None
            and datetime.fromisoformat(starts_at) <= now)


def _change(told: dict | None, starts_at: datetime) -> dict[str, str]:
    """How a new version differs for the reader: a new start, or the same start updated."""
    if told is None:
        return {}
    if datetime.fromisoformat(told["starts_at"]) != starts_at:
        return {"rescheduled": "yes"}
    return {"updated": "yes"}


def _reminder(case: Case, template: str, facts: dict, starts_at: datetime,
              now: datetime, *, time_zone: str | None = None) -> list[Notice]:
    due = day_before(starts_at, venue_zone(time_zone))
    if due - now < REMINDER_MIN_GAP:
        return []  # so near that the invitation is the reminder
    notice = _to_victim(case, template, facts)
    return [replace(notice, not_before=due)]


def day_before(starts_at: datetime, zone: ZoneInfo) -> datetime:
    """The same clock time the day before, where it takes place (in UTC)."""
    wall = starts_at.astimezone(zone).replace(tzinfo=None) - REMINDER_AHEAD
    return wall.replace(tzinfo=zone).astimezone(timezone.utc)


def venue_zone(time_zone: str | None) -> ZoneInfo:
    """The venue's zone as scheduling names it; else (or unreadable) the program's."""
    try:
        return ZoneInfo(time_zone or PROGRAM_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(PROGRAM_ZONE)


def _to_victim(case: Case, template: str, facts: dict[str, str | None],
               channels: tuple[Channel, ...] | None = None) -> Notice:
    """On her channel; or on ``channels``, of which the email carries the calendar and goes
    whatever channel she prefers (only a text besides it follows her preference)."""
    if channels is None:
        channels, preferred = (case.channel,), case.channel
    elif case.channel in channels and case.channel is not Channel.EMAIL:
        preferred = case.channel
    else:
        preferred = None
    return Notice(recipient_id=case.requester_id, template=template, channels=channels,
                  subject=case.case_id, reference=case.reference, language=case.language,
                  params=tuple((k, v) for k, v in facts.items() if v is not None),
                  preferred=preferred)


def _with_email(channel: Channel) -> tuple[Channel, ...]:
    return (channel,) if channel is Channel.EMAIL else (channel, Channel.EMAIL)


def _times(starts_at: datetime, ends_at: datetime | None) -> dict[str, str | None]:
    return {"starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat() if ends_at else None}


def _by_the_case(reason: str) -> bool:
    """Scheduling's reason when the case's own pause, withdrawal or closure cancelled it."""
    return reason.startswith("case_")


def _begun(told: dict, now: datetime) -> bool:
    return datetime.fromisoformat(told["starts_at"]) <= now


def _keep(facts: dict, *keys: str) -> dict:
    return {k: facts[k] for k in keys if k in facts}


def _yes(flag: bool) -> str | None:
    return "yes" if flag else None
