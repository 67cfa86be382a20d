"""The email as written for SMTP without the email package's header machinery says what
``mime`` says: every message in both languages, read back by a mail client's parser, has the
same headers, the same parts in the same order, the same transfer encodings and the same
words; a calendar invitation still goes through ``mime``."""
import re
from email import message_from_bytes, policy

import pytest

from notifications.adapters.email import mime, mime_bytes
from notifications.adapters.rendering import EmailMessage

from .test_templates import EMAIL, REFERENCE, WORST, ZONE, renderer

HEADERS = ("From", "To", "Subject", "Message-ID", "Auto-Submitted", "MIME-Version",
           "Content-Language")
NO_CALENDAR = {key: value for key, value in WORST.items() if key != "ics_method"}


def _read(raw: bytes):
    return message_from_bytes(raw, policy=policy.default)


def _same(fast: bytes, slow: bytes) -> None:
    a, b = _read(fast), _read(slow)
    assert not a.defects and not b.defects
    # (the email package folds a long subject before its first word: read back, it starts
    # with a space, which mail clients drop)
    assert [(h, a[h] and a[h].strip()) for h in HEADERS] == [
        (h, b[h] and b[h].strip()) for h in HEADERS]
    assert abs((a["Date"].datetime - b["Date"].datetime).total_seconds()) < 5
    parts_a, parts_b = list(a.walk()), list(b.walk())
    assert [p.get_content_type() for p in parts_a] == [p.get_content_type() for p in parts_b]
    for x, y in zip(parts_a, parts_b, strict=True):
        assert x.get_content_charset() == y.get_content_charset()
        assert x["Content-Transfer-Encoding"] == y["Content-Transfer-Encoding"]
        if not x.is_multipart():
            assert x.get_content() == y.get_content()
    assert [p.get_content_charset() for p in parts_a if p.get_content_maintype() == "text"
            and p.get_content_subtype() in ("plain", "html")] == ["utf-8", "utf-8"]


def _both(message: EmailMessage, *, to="ana@example.org",
          sender="Victim Services <vs@dialogue.invalid>", language="en"):
    given = dict(to=to, sender=sender, message_id="<d-1@dialogue.notifications>",
                 language=language)
    return mime_bytes(message, **given), mime(message, **given).as_bytes()


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("template", EMAIL)
def test_every_email_reads_the_same_written_either_way(template, language):
    message = renderer.email(template, language=language, params=NO_CALENDAR,
                             reference=REFERENCE, zone=ZONE, given_name="María José",
                             victim_link="https://intake.example.test/v/abc")
    fast, slow = _both(message, language=language)
    _same(fast, slow)
    assert _read(fast)["Content-Language"] == language  # a screen reader reads it in Spanish
    assert fast != slow  # not the same bytes: written without the email package


@pytest.mark.parametrize("subject", [
    "Aviso urgente sobre su inscripción VOD-2026-000123",
    "A subject well beyond one line of seventy-eight characters, about case VOD-2026-000123",
    "Un asunto largo, más allá de una línea de setenta y ocho caracteres: VOD-2026-000123 ñ"])
def test_a_long_or_spanish_subject_reads_the_same(subject):
    message = EmailMessage(subject, "Hola\n\nÁrbol " + "x" * 120 + "\n", "<p>Hola ñ</p>")
    _same(*_both(message))


def test_an_invitation_and_an_address_beyond_ascii_go_through_the_email_package():
    invitation = renderer.email("session_invitation", language="en", params=WORST,
                                reference=REFERENCE, zone=ZONE, given_name="Ana",
                                attendee="ana@example.org")
    assert invitation.attachments
    fast, slow = _both(invitation)
    assert _read(fast).get_content_type() == "multipart/mixed"
    assert _read(fast)["Content-Language"] == "en"
    _same(fast, slow)
    plain = EmailMessage("Subject", "text", "<p>html</p>")
    fast, slow = _both(plain, to="josé@example.org")
    _same(fast, slow)


def test_a_subject_with_a_line_break_is_refused_as_before():
    with pytest.raises(ValueError):
        mime_bytes(EmailMessage("Two\nlines", "text", "<p>html</p>"), to="ana@example.org",
                   sender="vs@dialogue.invalid", message_id="<1@x>", language="en")


@pytest.mark.parametrize("field", ["to", "sender", "subject", "message_id"])
@pytest.mark.parametrize("char", ["\r", "\n", "\x0b", "\x0c", "\x1c", "\x85", "\u2028",
                                  "\u2029", "\x00"])
def test_no_header_is_written_with_a_character_a_relay_could_read_as_a_line_end(field, char):
    """Whatever the caller hands in, a header never ends early: "Bcc: x" never becomes a
    header of its own (the message is refused, or the character encoded, as ``mime`` does)."""
    given = dict(to="ana@example.org", sender="vs@dialogue.invalid",
                 message_id="<d-1@dialogue.notifications>", language="en")
    subject = "Hello"
    if field == "subject":
        subject += char + "Bcc: x@evil.example"
    else:
        given[field] += char + "Bcc: x@evil.example"
    try:
        raw = mime_bytes(EmailMessage(subject, "text\n", "<p>html</p>"), **given)
    except ValueError:
        return  # refused, as mime refuses it
    # as aiosmtplib puts it on the wire: any CR, LF or CRLF is a line end
    wire = re.sub(rb"\r\n|\r|\n", b"\r\n", raw)
    head = wire.split(b"\r\n\r\n")[0]
    assert not any(line.lower().startswith(b"bcc") for line in head.split(b"\r\n"))
    assert _read(wire)["Bcc"] is None
