"""The victim's side of scheduling as it runs: events over the real broker, mail to the real
SMTP catcher. A Spanish-speaking victim in Chicago is acknowledged with her own link, invited to
the dialogue with a calendar file in her zone, and told when it is cancelled; the offender's
meeting and a record delivered twice send nothing more."""
import re
from datetime import date, datetime, time, timedelta
from email import message_from_string, policy
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from vod_devtools.testing import produce, read_topic, wait_until
from vod_shared.envelope import new_envelope, to_kafka
from vod_shared.events import SessionCancelled
from vod_shared.victim_links import VictimLinks

from notifications.bootstrap import utc_now

from ..support import meeting, new_id, request, session
from .test_over_kafka_with_catchers import (  # noqa: F401 (catchers: the fixture)
    _people,
    _publish,
    _settings,
    catchers,
    running,
)

pytestmark = pytest.mark.integration

SECRET, INTAKE = "integration-victim-link-secret", "https://intake.example.test"
LA = ZoneInfo("America/Los_Angeles")


def _calendar(mail: dict) -> Calendar:
    parsed = message_from_string(mail["raw"], policy=policy.default)
    [part] = [p for p in parsed.iter_attachments() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_content())


async def test_a_spanish_speaking_victim_in_chicago_is_invited_and_the_cancellation_follows(
        kafka_bootstrap, topic_prefix, database_url_factory, tmp_path, catchers):  # noqa: F811
    settings = _settings(kafka_bootstrap, topic_prefix, database_url_factory("notifications"),
                         tmp_path, smtp_port=catchers.smtp_port, sms_base=catchers.http_base,
                         VICTIM_LINK_SECRET=SECRET, INTAKE_PUBLIC_URL=INTAKE)
    person, case = new_id(), new_id()
    starts = datetime.combine(date.today() + timedelta(days=30), time(10, 0), tzinfo=LA)
    dialogue = session(case, starts_at=starts, facility="SQ")
    scheduled = to_kafka(new_envelope(dialogue, source="/services/scheduling", subject=case))
    mails = lambda: list(reversed(catchers.mail.read()))  # noqa: E731 (oldest first)
    async with running(settings):
        await _people(kafka_bootstrap, settings, utc_now, (person, {
            "preferred_language": "es", "email": "maria@example.org",
            "time_zone": "America/Chicago"}))
        await _publish(kafka_bootstrap, settings.topics.intake,
                       (request(case, person, language="es", at=utc_now()), case))
        await _publish(kafka_bootstrap, settings.topics.scheduling,
                       (meeting(case, party="offender", starts_at=starts), case))
        # The invitation, delivered twice (a producer's retry): one email.
        await produce(kafka_bootstrap, settings.topics.scheduling,
                      (scheduled.key, scheduled.value), (scheduled.key, scheduled.value))
        assert await wait_until(lambda: len(mails()) == 2, timeout=30)
        await _publish(kafka_bootstrap, settings.topics.scheduling, (SessionCancelled(
            case_id=case, session_id=dialogue.session_id, reason="staff", sequence=1,
            at=utc_now()), case))
        assert await wait_until(lambda: len(mails()) == 3, timeout=30)
        await read_topic(kafka_bootstrap, settings.topics.notifications, at_least=3, settle=2)

    acknowledgement, invitation, cancellation = mails()
    assert all(m["rcpt_tos"] == ["maria@example.org"] for m in mails())
    assert acknowledgement["subject"].startswith("Recibimos su solicitud")
    [token] = re.findall(re.escape(INTAKE) + r"/v/([A-Za-z0-9_.\-]+)", acknowledgement["text"])
    link = VictimLinks(SECRET).read(token)
    assert (link.case_id, link.person_id) == (case, person)

    assert invitation["subject"].startswith("Su diálogo ya tiene fecha")
    invited = _calendar(invitation)
    [event] = invited.walk("VEVENT")
    assert str(invited["METHOD"]) == "REQUEST"
    assert str(event["DTSTART"].dt.tzinfo) == "America/Chicago"
    assert (event["DTSTART"].dt.hour, event["DTSTART"].dt.minute) == (12, 0)
    assert event["DTSTART"].dt == starts and str(event["SUMMARY"]).startswith("Diálogo")

    cancelled = _calendar(cancellation)
    [withdrawn] = cancelled.walk("VEVENT")
    assert str(cancelled["METHOD"]) == "CANCEL" and withdrawn["UID"] == event["UID"]
    assert withdrawn["SEQUENCE"] > event["SEQUENCE"]
    assert len(catchers.mail.read()) == 3 and catchers.sms.read() == []
