"""The victim's side of scheduling as pure rules: whose meetings, which channels, when the
reminder is due, when a cancellation is told, and the calendar's SEQUENCE."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from vod_shared.events import Channel, Language, MeetingCancelled, SessionCancelled, SurveyDue

from notifications.domain import schedule
from notifications.domain.model import Case, CaseState

from ..support import meeting, session

NOW = datetime(2026, 11, 19, 18, 0, tzinfo=timezone.utc)
SOON = NOW + timedelta(days=10)


def _case(state=CaseState.OPEN, channel=Channel.EMAIL):
    return Case("case-1", "VOD-2026-000123", "victim-1", "AB1234", Language.ES, channel, state)


def _told(**facts):
    return schedule.History(told={"sequence": "0", "starts_at": SOON.isoformat(), **facts},
                            planned_sequence=0)


def test_only_the_victims_own_meetings_still_ahead_while_the_case_goes_on():
    nothing = schedule.History()
    assert schedule.meeting_notices(_case(), meeting("case-1", starts_at=SOON, party="offender"),
                                    nothing, now=NOW) == []
    assert schedule.meeting_notices(_case(), meeting("case-1", starts_at=NOW), nothing,
                                    now=NOW) == []
    assert schedule.meeting_notices(_case(CaseState.WITHDRAWN), meeting("case-1", starts_at=SOON),
                                    nothing, now=NOW) == []
    told, reminder = schedule.meeting_notices(_case(), meeting("case-1", starts_at=SOON),
                                              nothing, now=NOW)
    assert (told.recipient_id, told.template, told.language) == (
        "victim-1", "meeting_scheduled", Language.ES)
    assert (reminder.template, reminder.not_before) == (
        "meeting_reminder", SOON - timedelta(days=1))


def test_a_meeting_too_near_for_a_reminder_gets_the_invitation_alone():
    near = meeting("case-1", starts_at=NOW + timedelta(hours=30))
    notices = schedule.meeting_notices(_case(), near, schedule.History(), now=NOW)
    assert [n.template for n in notices] == ["meeting_scheduled"]


def test_the_reminder_keeps_the_clock_time_the_day_before_when_the_clocks_change():
    """Sunday 10:00 in California after the clocks went forward (23 hours after Saturday
    10:00) or back (25 hours); in Arizona, where they stay, 24 hours. Times arrive as read
    from the wire: with a UTC offset, not a zone."""
    la, phoenix = ZoneInfo("America/Los_Angeles"), ZoneInfo("America/Phoenix")
    spring = datetime(2027, 3, 14, 10, 0, tzinfo=la)
    autumn = datetime(2027, 11, 7, 10, 0, tzinfo=la)
    _, reminder = schedule.meeting_notices(_case(), _as_read(meeting("case-1", starts_at=spring)),
                                           schedule.History(), now=NOW)
    assert reminder.not_before.astimezone(la) == datetime(2027, 3, 13, 10, 0, tzinfo=la)
    assert _hours(reminder.not_before, spring) == 23
    in_california = _as_read(session("case-1", starts_at=autumn))
    _, reminder = schedule.session_notices(_case(), in_california, schedule.History(), now=NOW)
    assert reminder.not_before.astimezone(la) == datetime(2027, 11, 6, 10, 0, tzinfo=la)
    assert _hours(reminder.not_before, autumn) == 25
    in_arizona = _as_read(session("case-1", starts_at=autumn, time_zone="America/Phoenix"))
    _, reminder = schedule.session_notices(_case(), in_arizona, schedule.History(), now=NOW)
    assert reminder.not_before.astimezone(phoenix) == datetime(2027, 11, 6, 11, 0, tzinfo=phoenix)
    assert _hours(reminder.not_before, autumn) == 24


def _as_read(event):
    return type(event).model_validate_json(event.model_dump_json())


def _hours(earlier: datetime, later: datetime) -> float:
    return (later.astimezone(timezone.utc) - earlier.astimezone(timezone.utc)) / timedelta(hours=1)


def test_a_version_already_planned_is_not_planned_again():
    event = meeting("case-1", starts_at=SOON, sequence=0)
    assert schedule.meeting_notices(_case(), event, _told(), now=NOW) == []


def test_the_dialogue_goes_by_email_with_its_calendar_and_by_text_if_she_prefers():
    invitation, reminder = schedule.session_notices(
        _case(channel=Channel.SMS), session("case-1", starts_at=SOON), schedule.History(), now=NOW)
    assert invitation.channels == (Channel.SMS, Channel.EMAIL)
    assert dict(invitation.params)["ics_method"] == "REQUEST"
    assert reminder.channels == (Channel.SMS,) and "ics_method" not in dict(reminder.params)


def test_a_cancellation_is_told_only_to_whom_the_meeting_was_told():
    cancelled = MeetingCancelled(case_id="case-1", meeting_id="m", party="victim",
                                 reason="staff", at=NOW)
    assert schedule.meeting_cancelled_notice(_case(), cancelled, schedule.History(),
                                             now=NOW) is None
    assert schedule.meeting_cancelled_notice(_case(), cancelled, _told(), now=NOW) is not None
    by_the_pause = cancelled.model_copy(update={"reason": "case_paused"})
    assert schedule.meeting_cancelled_notice(_case(), by_the_pause, _told(), now=NOW) is None


def test_the_calendar_cancellation_outranks_the_invitation_and_goes_even_after_withdrawal():
    cancelled = SessionCancelled(case_id="case-1", session_id="s", reason="case_withdrawn",
                                 sequence=0, at=NOW)
    notice = schedule.session_cancelled_notice(_case(CaseState.WITHDRAWN, Channel.SMS), cancelled,
                                               _told(sequence="3"), now=NOW)
    facts = dict(notice.params)
    assert (facts["sequence"], facts["ics_method"], facts["by_the_case"]) == ("4", "CANCEL", "yes")
    assert notice.channels == (Channel.EMAIL,)


def test_a_joint_dialogue_put_off_by_another_participant_is_told_to_her_without_why():
    # Scheduling's reason when another family member's hold put the joint dialogue off: not
    # her doing, so not a quiet calendar update ("nothing else changes" would be untrue): she
    # is told it will not take place and that her facilitator will be in touch, on her own
    # channel, with the calendar update by email; nothing says why.
    cancelled = SessionCancelled(case_id="case-1", session_id="s",
                                 reason="joint_dialogue_postponed", sequence=1, at=NOW)
    notice = schedule.session_cancelled_notice(_case(channel=Channel.SMS), cancelled,
                                               _told(sequence="1"), now=NOW)
    assert notice.channels == (Channel.SMS, Channel.EMAIL)
    assert dict(notice.params).get("by_the_case") != "yes"  # the full words, not "nothing else changes"
    assert "joint" not in " ".join(str(v) for v in dict(notice.params).values())


def test_a_survey_goes_after_the_case_closes_but_not_after_a_withdrawal():
    due = SurveyDue(case_id="case-1", survey_id="v", party="victim", stage="months_later",
                    recipient_id="victim-1", at=NOW)
    assert schedule.survey_notice(_case(CaseState.CLOSED), due).template == "survey_invitation"
    assert schedule.survey_notice(_case(CaseState.WITHDRAWN), due) is None
    assert schedule.survey_notice(_case(), due.model_copy(update={"party": "offender",
                                                                  "recipient_id": None})) is None
