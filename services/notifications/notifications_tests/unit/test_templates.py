"""Every message, in both languages and on every channel it goes by: it renders, it carries the
reference, an SMS fits in two segments with the longest facts, and the Spanish is Spanish."""
import re
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from notifications.adapters.rendering import TEMPLATES, Renderer
from notifications.domain.facilities import FACILITIES
from vod_shared.zones import STATE_ZONES
from notifications.domain.sms import segments
from notifications.service_layer.sender import REPLIES

LONGEST_FACILITY = max(FACILITIES, key=lambda code: len(FACILITIES[code]))
WORST = {"effective_at": "2026-09-30T23:59:00-07:00", "facility_code": LONGEST_FACILITY,
         "hearing_date": "2026-09-30", "execution_date": "2026-09-30", "reminder": "yes",
         "short_notice": "yes",
         "kinds": "release,death,escape,parole_hearing,transfer,parole_discharge,contract,"
                  "scheduled_execution",
         # A meeting or the dialogue: the longest day and zone names, every option on.
         "starts_at": "2026-09-30T23:59:00-07:00", "ends_at": "2026-10-01T02:30:00-07:00",
         "meeting_id": "m-1", "session_id": "s-1", "sequence": "2", "mode": "in_person",
         "venue": "facility", "time_zone": "America/Los_Angeles", "follow_up": "yes",
         "rescheduled": "yes", "stage": "months_later",
         "issued_at": "2026-09-01T17:00:00+00:00", "ics_method": "REQUEST"}
REFERENCE = "VOD-2026-000123"
ZONE = ZoneInfo("America/Los_Angeles")
renderer = Renderer(program_phone="1-877-256-6877")


def _names(channel):
    return sorted(p.stem for p in (TEMPLATES / "en" / channel).glob("*.j2")
                  if not p.name.startswith("_"))


EMAIL, SMS = _names("email"), _names("sms")


def test_every_message_exists_in_both_languages():
    for channel in ("email", "sms"):
        assert _names(channel) == sorted(p.stem for p in (TEMPLATES / "es" / channel).glob("*.j2")
                                         if not p.name.startswith("_"))
    assert set(EMAIL) == set(SMS) - REPLIES


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("template", SMS)
def test_an_sms_fits_two_segments_and_names_the_reference(template, language):
    body = renderer.sms(template, language=language, params=WORST, reference=REFERENCE, zone=ZONE)
    assert REFERENCE in body
    assert segments(body) <= 2, (len(body), body)
    assert "{" not in body and "None" not in body


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("zone", sorted(set(STATE_ZONES.values())))
def test_an_sms_fits_two_segments_wherever_the_reader_lives(zone, language):
    """Out-of-state victims read times in their own zone, and some zones have long names
    ("hora de las Montañas Rocosas")."""
    for template in SMS:
        body = renderer.sms(template, language=language, params=WORST, reference=REFERENCE,
                            zone=ZoneInfo(zone))
        assert segments(body) <= 2, (template, len(body), body)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("template", EMAIL)
def test_an_email_has_a_subject_text_and_html_with_the_reference(template, language):
    message = renderer.email(template, language=language, params=WORST, reference=REFERENCE,
                             zone=ZONE, given_name="Ana <b>")
    assert REFERENCE in message.subject and REFERENCE in message.text and REFERENCE in message.html
    assert "1-877-256-6877" in message.text
    assert "Ana <b>" in message.text and "Ana &lt;b&gt;" in message.html  # escaped in HTML
    assert "None" not in message.text and "{" not in message.text
    assert f'lang="{language}"' in message.html


@pytest.mark.parametrize("template", EMAIL)
def test_the_spanish_is_spanish(template):
    english = renderer.email(template, language="en", params=WORST, reference=REFERENCE,
                             zone=ZONE, given_name="Ana")
    spanish = renderer.email(template, language="es", params=WORST, reference=REFERENCE,
                             zone=ZONE, given_name="Ana")
    text = " ".join(spanish.text.split()).replace(FACILITIES[LONGEST_FACILITY], "")  # a name
    words = set(re.findall(r"[a-záéíóúñü]+", text.lower()))
    assert {"the", "you", "your", "and", "call", "we"}.isdisjoint(words), words
    assert {"su", "usted", "de"} & words
    assert spanish.subject != english.subject


ANSWER_TO_A_REPEAT = {
    "en": ("We already have your request", "You do not need to send it again",
           "added to your case", "If you want to tell us something"),
    "es": ("Ya tenemos su solicitud", "No hace falta que vuelva a enviarla",
           "agregado a su caso", "Si quiere contarnos algo"),
}
CLOSING = {"en": "With care,", "es": "Atentamente,"}
PROMISED_REVIEW = ("review", "revis", "contact you", "comunicar", "llamaremos", "will call")


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_answer_to_a_repeated_request_says_we_have_it_and_promises_no_review(language):
    """Its own message, not the first acknowledgement again: that one says staff will review
    the request and contact her, untrue of a case months into preparation. Checked above with
    every message (both languages, two segments, the reference); here, what it says."""
    assert "request_repeated" in EMAIL and "request_repeated" in SMS
    message = renderer.email("request_repeated", language=language, params=WORST,
                             reference=REFERENCE, zone=ZONE, given_name="Ana")
    said = " ".join(message.text.split()).split(CLOSING[language])[0]  # without the footer
    for words in ANSWER_TO_A_REPEAT[language]:
        assert words in said, words
    assert REFERENCE in said and "1-877-256-6877" in said
    body = renderer.sms("request_repeated", language=language, params=WORST, reference=REFERENCE,
                        zone=ZONE)
    assert body.startswith(f"{REFERENCE}: {ANSWER_TO_A_REPEAT[language][0]}")
    assert body.endswith("1-877-256-6877") and segments(body) <= 2
    for told in (said.lower(), body.lower()):
        assert not [words for words in PROMISED_REVIEW if words in told], told


def test_no_message_says_denied_or_rejected_about_eligibility():
    for language in ("en", "es"):
        for template in ("eligibility_ineligible", "eligibility_needs_review"):
            message = renderer.email(template, language=language, params={}, reference=REFERENCE,
                                     zone=ZONE, given_name=None)
            text = message.text.lower()
            for harsh in ("denied", "rejected", "refused", "denegad", "rechaz"):
                assert harsh not in text


@pytest.mark.parametrize("language", ["en", "es"])
def test_texts_never_name_the_program_victims_or_offenders(language):
    """A phone may be read over someone's shoulder. (A transfer names the new facility: the
    registrant asked to know it.)"""
    for template in SMS:
        body = renderer.sms(template, language=language, params=WORST, reference=REFERENCE,
                            zone=ZONE).replace(FACILITIES[LONGEST_FACILITY], "").lower()
        for word in ("victim", "víctima", "offender", "ofensor", "prison", "prisión", "crime"):
            assert word not in body, (template, word)


def test_a_transfer_names_the_facility_and_dates_are_in_the_readers_language():
    params = {"effective_at": "2026-11-20T16:00:00+00:00", "facility_code": "CMF"}
    english = renderer.sms("custody_transfer", language="en", params=params, reference="REG-1",
                           zone=ZONE)
    spanish = renderer.sms("custody_transfer", language="es", params=params, reference="REG-1",
                           zone=ZONE)
    assert "California Medical Facility" in english and "Nov 20, 2026" in english
    assert "California Medical Facility" in spanish and "20 nov 2026" in spanish


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_dialogues_calendar_file_parses_in_the_readers_language_and_zone(language):
    message = renderer.email("session_invitation", language=language, params=WORST,
                             reference=REFERENCE, zone=ZoneInfo("America/Chicago"),
                             given_name="Ana", attendee="ana@example.org")
    [attachment] = message.attachments
    [event] = Calendar.from_ical(attachment.data).walk("VEVENT")
    assert str(event["DTSTART"].dt.tzinfo) == "America/Chicago"
    assert event["DTSTART"].dt.hour == 1  # 23:59 in California is 01:59 in Chicago
    summary = {"en": "Dialogue", "es": "Diálogo"}[language]
    assert str(event["SUMMARY"]) == f"{summary} ({REFERENCE})"
    assert str(event["LOCATION"]) == FACILITIES[LONGEST_FACILITY]


@pytest.mark.parametrize("template", ["session_invitation", "session_reminder"])
def test_the_venues_clock_is_shown_only_where_it_reads_differently(template):
    """Arizona keeps standard time: in summer its clock reads as California's, in winter not."""
    phoenix = ZoneInfo("America/Phoenix")
    params = {**WORST, "facility_code": "SOL", "time_zone": "America/Los_Angeles"}
    summer = renderer.email(template, language="en", reference=REFERENCE, zone=phoenix,
                            params={**params, "starts_at": "2026-07-15T09:00:00-07:00"},
                            given_name=None)
    winter = renderer.email(template, language="en", reference=REFERENCE, zone=phoenix,
                            params={**params, "starts_at": "2026-12-02T09:00:00-08:00"},
                            given_name=None)
    assert "venue" not in summer.text
    assert "— 9:00 AM local time at the venue (Pacific Time)" in " ".join(winter.text.split())


@pytest.mark.parametrize("template", ["staff_needs_review", "staff_delivery_failed",
                                      "staff_delivery_unknown"])
def test_staff_alerts_say_what_is_needed_with_the_reference(template):
    params = {"subject_id": "case-1", "reason": "not_in_registry", "delivery_id": "d-1",
              "message": "session_invitation", "channel": "email"}
    message = renderer.staff_email(template, params=params, reference=REFERENCE)
    assert REFERENCE in message.subject and REFERENCE in message.text and "case-1" in message.text
    assert "None" not in message.text and "{" not in message.text


def test_the_short_notice_alert_says_the_hearing_date_plainly_and_names_no_registrant():
    params = {"cdcr_number": "AB1234", "hearing_date": "2027-02-03", "days_ahead": "60",
              "registrations": "2", "references": "REG-0A1B2C3D, REG-4E5F6A7B"}
    message = renderer.staff_email("staff_hearing_short_notice", params=params,
                                   reference="AB1234")
    text = " ".join(message.text.split())
    assert "February 3, 2027" in message.subject and "AB1234" in message.subject
    assert "only 60 days away" in text and "at least 90 days" in text
    assert "2 registrations are being told now" in text and "REG-4E5F6A7B" in text
    assert "Offender's CDCR number: AB1234" in text and "Case reference" not in text
    assert "None" not in text and "{" not in text and "AB1234" in message.html


@pytest.mark.parametrize("language, words", [("en", "less than 90 days from now"),
                                             ("es", "a menos de 90 días")])
def test_a_hearing_on_short_notice_says_so_with_its_date(language, words):
    params = {"change": "parole_hearing", "effective_at": "2026-12-05T09:00:00-08:00",
              "hearing_date": "2027-02-03", "reminder": "yes"}
    usual = renderer.email("custody_parole_hearing", language=language, params=params,
                           reference="REG-0A1B2C3D", zone=ZONE, given_name=None)
    short = renderer.email("custody_parole_hearing", language=language, given_name=None,
                           params={**params, "short_notice": "yes"}, reference="REG-0A1B2C3D",
                           zone=ZONE)
    said = " ".join(short.text.split())
    assert words in said and ("February 3, 2027" in said or "3 de febrero de 2027" in said)
    assert words not in " ".join(usual.text.split())
