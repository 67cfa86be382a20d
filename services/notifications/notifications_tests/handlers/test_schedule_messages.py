"""The victim's side of scheduling: her preparation meetings, the dialogue with its calendar
invitation in her own zone and language, reminders the day before, cancellations, surveys;
nothing of the offender's meetings, and nothing twice."""
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

from icalendar import Calendar

from vod_shared.events import (
    CasePaused,
    CaseResumed,
    CaseWithdrawn,
    MeetingCancelled,
    SessionCancelled,
    SurveyDue,
)

from notifications.adapters.email import mime

from ..support import calendar_of, meeting, new_id, request, session

LA = ZoneInfo("America/Los_Angeles")
# Thursday 3 December 2026, 10:00 in California (the facility's zone): 12:00 in Chicago.
DIALOGUE = datetime(2026, 12, 3, 10, 0, tzinfo=LA)


async def _victim(harness, clock, *, language="en", channel="email", **details):
    person, case = new_id(), new_id()
    await harness.person(person, preferred_language=language, preferred_channel=channel,
                         **details)
    await harness.deliver(request(case, person, language=language, channel=channel, at=clock()),
                          subject=case)
    await harness.send_due()
    harness.email.sent.clear()
    harness.sms.sent.clear()
    return person, case


async def _statuses(harness, case):
    return [(d.template, d.channel, d.status) for d in await harness.deliveries(subject=case)
            if d.template != "request_acknowledged"]


async def test_a_spanish_speaking_victim_in_chicago_is_invited_in_spanish_in_her_own_zone(
        harness, clock):
    person, case = await _victim(harness, clock, language="es", time_zone="America/Chicago",
                                 state="IL", email="ana@example.org")
    event = session(case, starts_at=DIALOGUE, facility="SQ")
    await harness.deliver(event, subject=case)
    await harness.send_due()

    [mail] = harness.email.sent
    message = mail["message"]
    assert mail["to"] == "ana@example.org"
    assert message.subject.startswith("Su diálogo ya tiene fecha: jueves, 3 de diciembre de 2026")
    assert "a las 12:00 (hora central)" in " ".join(message.text.split())
    assert "San Quentin Rehabilitation Center" in message.text
    calendar = calendar_of(message)
    [entry] = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "REQUEST"
    start = entry["DTSTART"].dt
    assert (str(start.tzinfo), start.replace(tzinfo=None)) == (
        "America/Chicago", datetime(2026, 12, 3, 12, 0))
    assert start == DIALOGUE and entry["DTEND"].dt == DIALOGUE + timedelta(hours=3)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["America/Chicago"]
    assert str(entry["UID"]) == f"{event.session_id}@dialogue.vod" and entry["SEQUENCE"] == 0
    assert str(entry["SUMMARY"]).startswith("Diálogo") and "Su facilitador" in entry["DESCRIPTION"]
    assert str(entry["LOCATION"]) == "San Quentin Rehabilitation Center"
    ics = calendar.to_ical().decode()
    for private in ("López", "AB1234", "+16195550100"):  # her family name, the CDCR number...
        assert private not in ics
    # The MIME message carries it as a calendar attachment an email client recognises.
    part = next(mime(message, to="ana@example.org", sender="vs@x", message_id="<1@x>",
                     language="es").iter_attachments())
    assert part.get_content_type() == "text/calendar" and part.get_param("method") == "REQUEST"
    assert part.get_filename() == "dialogo.ics" and "SUMMARY:Diálogo" in part.get_content()


async def test_a_cancelled_dialogue_leaves_her_calendar_with_a_higher_sequence(harness, clock):
    person, case = await _victim(harness, clock)
    event = session(case, starts_at=DIALOGUE, sequence=2)
    await harness.deliver(event, subject=case)
    await harness.send_due()
    # Scheduling bumps the sequence when it cancels; even an event that did not is raised.
    await harness.deliver(SessionCancelled(case_id=case, session_id=event.session_id,
                                           reason="offender_transferred", sequence=2,
                                           at=clock()), subject=case)
    await harness.send_due()

    invitation, cancellation = (calendar_of(m["message"]) for m in harness.email.sent)
    [invited], [cancelled] = invitation.walk("VEVENT"), cancellation.walk("VEVENT")
    assert str(cancellation["METHOD"]) == "CANCEL" and str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled["UID"] == invited["UID"]
    assert cancelled["SEQUENCE"] > invited["SEQUENCE"] == 2
    assert "will not take place" in harness.email.sent[1]["message"].text
    assert await _statuses(harness, case) == [
        ("session_invitation", "email", "sent"), ("session_reminder", "email", "cancelled"),
        ("session_cancelled", "email", "sent")]


async def test_the_invitation_and_its_cancellation_are_calendar_parts_of_the_body_too(
        harness, clock):
    """Outlook, Gmail and Apple Mail show an invitation (and take a cancellation) from a
    text/calendar part beside the text and the HTML; the .ics stays attached as well."""
    person, case = await _victim(harness, clock)
    event = session(case, starts_at=DIALOGUE)
    await harness.deliver(event, subject=case)
    await harness.send_due()
    await harness.deliver(SessionCancelled(case_id=case, session_id=event.session_id,
                                           reason="staff", sequence=1, at=clock()), subject=case)
    await harness.send_due()

    for sent, method in zip(harness.email.sent, ("REQUEST", "CANCEL"), strict=True):
        raw = mime(sent["message"], to="ana@example.org", sender="vs@x", message_id="<1@x>",
                   language="en").as_bytes()
        parsed = message_from_bytes(raw, policy=policy.default)
        assert parsed.get_content_type() == "multipart/mixed"
        body, attached = parsed.iter_parts()
        plain, html, inline = body.iter_parts()
        assert [p.get_content_type() for p in (body, plain, html, inline, attached)] == [
            "multipart/alternative", "text/plain", "text/html", "text/calendar", "text/calendar"]
        assert inline.get_content_disposition() is None and attached.get_filename()
        assert inline.get_param("method") == attached.get_param("method") == method
        assert str(Calendar.from_ical(inline.get_content())["METHOD"]) == method
        assert inline.get_content() == attached.get_content()


async def test_the_offenders_meetings_send_nothing_to_the_victim(harness, clock):
    person, case = await _victim(harness, clock)
    theirs = meeting(case, party="offender", starts_at=DIALOGUE)
    await harness.deliver(theirs, subject=case)
    await harness.deliver(MeetingCancelled(case_id=case, meeting_id=theirs.meeting_id,
                                           party="offender", reason="staff", at=clock()),
                          subject=case)
    clock.move(days=20)
    await harness.send_due()
    assert harness.email.sent == [] and await _statuses(harness, case) == []


async def test_her_meeting_is_told_then_reminded_the_day_before_after_the_night(harness, clock):
    """A text reminder due at 07:30 (the meeting's time the day before) waits until 08:00."""
    person, case = await _victim(harness, clock, channel="sms")
    starts = datetime(2026, 11, 26, 7, 30, tzinfo=LA)
    await harness.deliver(meeting(case, starts_at=starts, mode="video"), subject=case)
    await harness.send_due()
    [told] = [m["message"] for m in harness.sms.sent]
    assert "Thu, Nov 26, 7:30 AM Pacific Time, by video" in told

    clock.now = datetime(2026, 11, 25, 7, 45, tzinfo=LA)
    await harness.send_due()
    assert len(harness.sms.sent) == 1
    clock.now = datetime(2026, 11, 25, 8, 0, tzinfo=LA)
    await harness.send_due()
    assert len(harness.sms.sent) == 2 and "Reminder" in harness.sms.sent[1]["message"]


async def test_a_cancelled_meeting_is_told_and_its_reminder_dropped(harness, clock):
    person, case = await _victim(harness, clock)
    event = meeting(case, starts_at=DIALOGUE)
    await harness.deliver(event, subject=case)
    await harness.send_due()
    await harness.deliver(MeetingCancelled(case_id=case, meeting_id=event.meeting_id,
                                           party="victim", reason="staff", at=clock()),
                          subject=case)
    clock.move(days=30)
    await harness.send_due()
    assert [m["message"].subject.split(" (")[0] for m in harness.email.sent] == [
        "Your preparation meeting", "Your meeting on Thursday, December 3, 2026 is cancelled"]
    assert ("meeting_reminder", "email", "cancelled") in await _statuses(harness, case)


async def test_redelivery_and_a_republished_event_send_nothing_twice(harness, clock):
    person, case = await _victim(harness, clock)
    event = session(case, starts_at=DIALOGUE)
    envelope = await harness.deliver(event, subject=case)
    await harness.redeliver(envelope)
    await harness.send_due()
    await harness.redeliver(envelope)
    await harness.deliver(event, subject=case)  # the same version again, under a new event id
    await harness.send_due()
    clock.now = DIALOGUE - timedelta(days=1)  # the reminder's time
    await harness.send_due()
    clock.move(days=30)
    await harness.send_due()
    assert [m["message"].subject.split(":")[0] for m in harness.email.sent] == [
        "Your dialogue is scheduled", "Reminder"]


async def test_a_rescheduled_dialogue_replaces_the_invitation_and_moves_the_reminder(
        harness, clock):
    person, case = await _victim(harness, clock)
    first = session(case, starts_at=DIALOGUE)
    await harness.deliver(first, subject=case)
    await harness.send_due()
    later = DIALOGUE + timedelta(days=7)
    await harness.deliver(session(case, starts_at=later, session_id=first.session_id,
                                  sequence=1), subject=case)
    await harness.send_due()

    moved = harness.email.sent[1]["message"]
    assert moved.subject.startswith("New date for your dialogue: Thursday, December 10, 2026")
    assert "replaces the earlier one" in " ".join(moved.text.split())
    [entry] = calendar_of(moved).walk("VEVENT")
    assert entry["SEQUENCE"] == 1 and entry["DTSTART"].dt == later
    reminders = [d for d in await harness.deliveries(subject=case)
                 if d.template == "session_reminder"]
    assert [(r.status, r.due_at) for r in reminders] == [
        ("cancelled", DIALOGUE - timedelta(days=1)), ("pending", later - timedelta(days=1))]


async def test_a_dialogue_cancelled_before_its_invitation_went_is_not_told(harness, clock):
    person, case = new_id(), new_id()  # her contact has not arrived: the invitation waits
    await harness.deliver(request(case, person, at=clock()), subject=case)
    event = session(case, starts_at=DIALOGUE)
    await harness.deliver(event, subject=case)
    await harness.deliver(SessionCancelled(case_id=case, session_id=event.session_id,
                                           reason="staff", sequence=1, at=clock()), subject=case)
    await harness.person(person)
    await harness.send_due()
    assert [m["message"].subject.split(" (")[0] for m in harness.email.sent] == [
        "We received your request for a dialogue"]


async def test_a_texting_victim_gets_the_invitation_by_text_and_the_calendar_by_email(
        harness, clock):
    person, case = await _victim(harness, clock, channel="sms")
    await harness.deliver(session(case, starts_at=DIALOGUE, venue="video"), subject=case)
    await harness.send_due()
    [text] = harness.sms.sent
    assert "Your dialogue is set: Thu, Dec 3, 10:00 AM Pacific Time" in text["message"]
    [mail] = harness.email.sent
    assert str(calendar_of(mail["message"]).walk("VEVENT")[0]["LOCATION"]).startswith("Video call")


async def test_after_she_withdraws_only_the_calendar_cancellation_goes(harness, clock):
    person, case = await _victim(harness, clock, channel="sms")
    event = session(case, starts_at=DIALOGUE)
    talk = meeting(case, starts_at=DIALOGUE - timedelta(days=7))
    await harness.deliver(event, subject=case)
    await harness.deliver(talk, subject=case)
    await harness.send_due()
    await harness.deliver(CaseWithdrawn(case_id=case, by="victim", at=clock()), subject=case)
    # Scheduling's cancellations follow on its own topic, read after intake's withdrawal.
    await harness.deliver(MeetingCancelled(case_id=case, meeting_id=talk.meeting_id,
                                           party="victim", reason="case_withdrawn", at=clock()),
                          subject=case)
    await harness.deliver(SessionCancelled(case_id=case, session_id=event.session_id,
                                           reason="case_withdrawn", sequence=1, at=clock()),
                          subject=case)
    clock.move(days=30)
    await harness.send_due()
    # By text, only the confirmation of her withdrawal; no meeting cancellation, no reminders.
    [confirmation] = [m["message"] for m in harness.sms.sent[2:]]
    assert "withdrawn" in confirmation
    [_, cancelled] = [m["message"] for m in harness.email.sent]
    assert str(calendar_of(cancelled)["METHOD"]) == "CANCEL"
    assert "only updates your calendar" in cancelled.text


async def test_a_reminder_held_by_a_pause_keeps_its_time_when_the_case_resumes(harness, clock):
    person, case = await _victim(harness, clock)
    await harness.deliver(session(case, starts_at=DIALOGUE), subject=case)
    await harness.send_due()
    await harness.deliver(CasePaused(case_id=case, by="facilitator", reason="x", at=clock()),
                          subject=case)
    clock.move(hours=1)
    await harness.deliver(CaseResumed(case_id=case, by="facilitator", at=clock()), subject=case)
    [reminder] = [d for d in await harness.deliveries(subject=case)
                  if d.template == "session_reminder"]
    assert (reminder.status, reminder.due_at) == ("pending", DIALOGUE - timedelta(days=1))


async def test_a_survey_is_a_short_invitation_and_we_call(harness, clock):
    person, case = await _victim(harness, clock, language="es")
    await harness.deliver(SurveyDue(case_id=case, survey_id=new_id(), party="victim",
                                    stage="after_dialogue", recipient_id=person, at=clock()),
                          subject=case)
    await harness.deliver(SurveyDue(case_id=case, survey_id=new_id(), party="offender",
                                    stage="after_dialogue", at=clock()), subject=case)
    await harness.send_due()
    [mail] = harness.email.sent
    assert mail["message"].subject.startswith("¿Cómo ha sido su experiencia?")
    assert "le llamará" in mail["message"].text and mail["message"].attachments == ()


async def test_a_texting_victim_with_no_email_gets_no_text_about_her_calendar_after_withdrawing(
        harness, clock):
    """The calendar cancellation exists only for her calendar: with no email it is not turned
    into a text after she was told "we will not contact you about it again"."""
    person, case = await _victim(harness, clock, channel="sms", email=None)
    event = session(case, starts_at=DIALOGUE)
    await harness.deliver(event, subject=case)
    await harness.send_due()
    await harness.deliver(CaseWithdrawn(case_id=case, by="victim", at=clock()), subject=case)
    await harness.deliver(SessionCancelled(case_id=case, session_id=event.session_id,
                                           reason="case_withdrawn", sequence=1, at=clock()),
                          subject=case)
    clock.move(days=30)
    await harness.send_due()
    assert "withdrawn" in harness.sms.sent[-1]["message"]
    assert [m["message"].split(": ")[1] for m in harness.sms.sent] == [
        "Your dialogue is set", "As you asked, your request is withdrawn. We will not contact you "
                                "about it again. Questions"]
    assert harness.email.sent == []
    assert ("session_cancelled", "email", "skipped") in await _statuses(harness, case)
    assert not [s for s in await _statuses(harness, case) if s[:2] == ("session_cancelled", "sms")]


async def test_a_new_venue_at_the_same_time_is_an_update_not_a_new_date(harness, clock):
    """A release to parole moves the dialogue to the community and keeps its time."""
    person, case = await _victim(harness, clock, channel="sms")
    first = session(case, starts_at=DIALOGUE)
    await harness.deliver(first, subject=case)
    await harness.send_due()
    await harness.deliver(session(case, starts_at=DIALOGUE, session_id=first.session_id,
                                  sequence=1, venue="community"), subject=case)
    await harness.send_due()
    text, mail = harness.sms.sent[1]["message"], harness.email.sent[1]["message"]
    assert "Update to your dialogue: Thu, Dec 3, 10:00 AM" in text and "New date" not in text
    assert mail.subject.startswith("Update to your dialogue: Thursday, December 3, 2026")
    words = " ".join(mail.text.split())
    assert "the date and the time stay the same" in words and "has changed" not in words
    [entry] = calendar_of(mail).walk("VEVENT")
    assert entry["SEQUENCE"] == 1 and str(entry["LOCATION"]).startswith("Community venue")


async def test_a_meeting_moved_to_a_new_place_at_the_same_time_is_an_update(harness, clock):
    person, case = await _victim(harness, clock, language="es")
    first = meeting(case, starts_at=DIALOGUE, mode="in_person")
    await harness.deliver(first, subject=case)
    await harness.send_due()
    await harness.deliver(meeting(case, starts_at=DIALOGUE, mode="in_person", sequence=1,
                                  meeting_id=first.meeting_id), subject=case)
    await harness.send_due()
    moved = harness.email.sent[1]["message"]
    assert moved.subject.startswith("Cambios en su reunión de preparación")
    assert "siguen siendo los mismos" in " ".join(moved.text.split())


async def test_a_cancellation_published_twice_is_told_once(harness, clock):
    person, case = await _victim(harness, clock)
    event = session(case, starts_at=DIALOGUE)
    talk = meeting(case, starts_at=DIALOGUE - timedelta(days=7))
    await harness.deliver(event, subject=case)
    await harness.deliver(talk, subject=case)
    await harness.send_due()
    for _ in range(2):  # the same cancellations again, under new event ids
        await harness.deliver(SessionCancelled(case_id=case, session_id=event.session_id,
                                               reason="staff", sequence=1, at=clock()),
                              subject=case)
        await harness.deliver(MeetingCancelled(case_id=case, meeting_id=talk.meeting_id,
                                               party="victim", reason="staff", at=clock()),
                              subject=case)
    await harness.send_due()
    assert [m["message"].subject.split(" on ")[0] for m in harness.email.sent] == [
        "Your dialogue is scheduled: Thursday, December 3, 2026 (VOD-2026-000123)",
        "Your preparation meeting (VOD-2026-000123)",
        "Calendar update: the dialogue", "Your meeting"]


async def test_a_reschedule_read_after_its_new_start_still_drops_the_old_reminder(
        harness, clock):
    """The meeting moved from 10 December to 20 November; notifications was down and reads the
    move on the 21st: no reminder of the 10th goes on the 9th."""
    person, case = await _victim(harness, clock)
    first = meeting(case, starts_at=DIALOGUE + timedelta(days=7))
    await harness.deliver(first, subject=case)
    await harness.send_due()
    moved = meeting(case, starts_at=datetime(2026, 11, 20, 10, 0, tzinfo=LA), sequence=1,
                    meeting_id=first.meeting_id)
    clock.now = datetime(2026, 11, 21, 10, 0, tzinfo=LA)
    await harness.deliver(moved, subject=case)
    clock.now = DIALOGUE + timedelta(days=6)  # the old reminder's time
    await harness.send_due()
    assert [m["message"].subject.split(" (")[0] for m in harness.email.sent] == [
        "Your preparation meeting"]
    [reminder] = [d for d in await harness.deliveries(subject=case)
                  if d.template == "meeting_reminder"]
    assert (reminder.status, reminder.reason) == ("cancelled", "rescheduled")


async def test_an_invitation_or_reminder_that_could_not_go_before_the_start_is_dropped(
        harness, clock):
    """The provider was down from the day before the meeting until after it: "Reminder: your
    meeting on Thursday" does not arrive on Friday."""
    from notifications.domain.delivery import TemporaryFailure
    person, case = await _victim(harness, clock)
    await harness.deliver(meeting(case, starts_at=DIALOGUE), subject=case)
    await harness.send_due()
    clock.now = DIALOGUE - timedelta(days=1)
    harness.email.script.extend([TemporaryFailure("smtp_unreachable:OSError")] * 500)
    while clock.now < DIALOGUE + timedelta(hours=2):
        await harness.send_due()
        clock.move(minutes=30)
    harness.email.script.clear()
    await harness.send_due()
    assert [m["message"].subject.split(" (")[0] for m in harness.email.sent] == [
        "Your preparation meeting"]
    [reminder] = [d for d in await harness.deliveries(subject=case)
                  if d.template == "meeting_reminder"]
    assert (reminder.status, reminder.reason) == ("cancelled", "too_late")


async def test_a_cancellation_text_held_for_the_night_is_dropped_when_she_withdraws(
        harness, clock):
    """The dialogue is cancelled at 23:00 (the email with the calendar update goes; the text
    waits for the morning); she withdraws at 07:00: at 08:00 only her confirmation is texted."""
    person, case = await _victim(harness, clock, channel="sms")
    event = session(case, starts_at=DIALOGUE)
    await harness.deliver(event, subject=case)
    await harness.send_due()
    clock.now = datetime(2026, 11, 19, 23, 0, tzinfo=LA)
    await harness.deliver(SessionCancelled(case_id=case, session_id=event.session_id,
                                           reason="offender_transferred", sequence=1,
                                           at=clock()), subject=case)
    await harness.send_due()
    assert str(calendar_of(harness.email.sent[-1]["message"])["METHOD"]) == "CANCEL"
    clock.now = datetime(2026, 11, 20, 7, 0, tzinfo=LA)
    await harness.deliver(CaseWithdrawn(case_id=case, by="victim", at=clock()), subject=case)
    clock.now = datetime(2026, 11, 20, 8, 0, tzinfo=LA)
    await harness.send_due()
    [invited, confirmation] = [m["message"] for m in harness.sms.sent]
    assert "Your dialogue is set" in invited and "your request is withdrawn" in confirmation
    assert ("session_cancelled", "sms", "cancelled") in await _statuses(harness, case)


async def test_an_invitation_promises_a_reminder_only_when_one_will_come(harness, clock):
    """A call set up for tomorrow morning has no reminder: its invitation does not promise one."""
    person, case = await _victim(harness, clock, language="es")
    await harness.deliver(meeting(case, starts_at=clock() + timedelta(hours=20)), subject=case)
    await harness.deliver(session(case, starts_at=clock() + timedelta(hours=30)), subject=case)
    await harness.deliver(meeting(case, starts_at=DIALOGUE - timedelta(days=7)), subject=case)
    await harness.send_due()
    near_meeting, near_session, later = (" ".join(m["message"].text.split())
                                         for m in harness.email.sent)
    assert "recordatorio" not in near_meeting and "recordatorio" not in near_session
    assert "Le enviaremos un recordatorio el día anterior" in later
    assert [d.template for d in await harness.deliveries(subject=case)
            if d.template.endswith("_reminder")] == ["meeting_reminder"]


async def test_a_victim_travelling_from_denver_also_reads_the_time_at_the_venue(harness, clock):
    """In person, the venue's clock too, where it reads differently from hers: in the
    invitation's text and HTML, and in the reminder the day before."""
    person, case = await _victim(harness, clock, channel="sms", state="CO")
    starts = datetime(2026, 12, 2, 9, 0, tzinfo=LA)
    await harness.deliver(session(case, starts_at=starts, facility="SOL"), subject=case)
    await harness.send_due()
    [mail] = harness.email.sent
    both = ("Wednesday, December 2, 2026, at 10:00 AM (Mountain Time) — 9:00 AM local time at "
            "the venue (Pacific Time). It should end at about 1:00 PM (Mountain Time).")
    assert both in " ".join(mail["message"].text.split())
    assert both in mail["message"].html
    [text] = harness.sms.sent
    assert "10:00 AM Mountain Time (9:00 AM Pacific Time at the venue)." in text["message"]

    clock.now = starts - timedelta(days=1)
    await harness.send_due()
    reminder = harness.sms.sent[-1]["message"]
    assert "Reminder" in reminder and "(9:00 AM Pacific Time at the venue)" in reminder


async def test_in_spanish_the_time_at_the_venue_is_told_in_spanish(harness, clock):
    person, case = await _victim(harness, clock, language="es", state="CO")
    starts = datetime(2026, 12, 2, 9, 0, tzinfo=LA)
    await harness.deliver(session(case, starts_at=starts, venue="community"), subject=case)
    await harness.send_due()
    [mail] = harness.email.sent
    assert ("a las 10:00 (hora de las Montañas Rocosas), es decir, a las 9:00 en el lugar del "
            "encuentro (hora del Pacífico)") in " ".join(mail["message"].text.split())
    assert "en el lugar del encuentro (hora del Pacífico)" in mail["message"].html


async def test_a_video_dialogue_or_a_reader_on_the_venues_clock_gets_one_time(harness, clock):
    _, far = await _victim(harness, clock, state="CO")
    _, near = await _victim(harness, clock, state="NV", email="near@example.org")
    await harness.deliver(session(far, starts_at=DIALOGUE, venue="video"), subject=far)
    await harness.deliver(session(near, starts_at=DIALOGUE), subject=near)
    await harness.send_due()
    texts = [" ".join(m["message"].text.split()) for m in harness.email.sent]
    assert len(texts) == 2 and all("local time at the venue" not in t for t in texts)
    assert any("11:00 AM (Mountain Time), until about" in t for t in texts)
