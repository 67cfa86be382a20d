"""What ``make demo`` does, over the real broker with the four services as processes: a signed
Spanish request from a victim in Arizona becomes an eligible, approved case with a facilitator,
both parties are prepared, and the video dialogue is scheduled. ``SessionScheduled`` is on the
scheduling topic (and the assignment names the facilitator's staff account), and the victim's
invitation reaches the mail catcher in Spanish with an iCalendar invitation in her own zone."""
import base64
import uuid
from email import message_from_string, policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from vod_devtools.catchers import Catchers
from vod_devtools.demo import VICTIM_ZONE, drive_sample_case
from vod_devtools.net import free_port
from vod_devtools.testing import read_topic, wait_until
from vod_shared.envelope import from_kafka

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
INTAKE_SECRET = "whsec_" + base64.b64encode(uuid.uuid4().bytes * 2).decode()
CUSTODY_SECRET = "whsec_" + base64.b64encode(uuid.uuid4().bytes * 2).decode()


def _invitation(catchers: Catchers, address: str) -> EmailMessage | None:
    """The message to ``address`` that carries a calendar invitation, if it came."""
    for record in catchers.mail.read():
        if address in record["rcpt_tos"]:
            message = message_from_string(record["raw"], policy=policy.default)
            if any(part.get_content_type() == "text/calendar" for part in message.walk()):
                return message
    return None


async def test_a_spanish_request_reaches_a_scheduled_dialogue_and_an_invitation_in_spanish(
        service_env, processes, kafka_bootstrap, topic_prefix, tmp_path):
    with Catchers(tmp_path / "catchers", smtp_port=free_port(), http_port=free_port()) as catchers:
        env = service_env | {"INTAKE_WEBHOOK_SECRET": INTAKE_SECRET,
                             "CUSTODY_WEBHOOK_SECRET": CUSTODY_SECRET}
        started = {name: processes(name, env, wait=False)
                   for name in ("intake", "screening", "scheduling")}
        started["notifications"] = processes("notifications", wait=False, env=env | {
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(catchers.smtp_port),
            "SMS_API_BASE": catchers.http_base, "SMS_AUTH_TOKEN": "e2e-sms-token",
            "INTAKE_PUBLIC_URL": started["intake"].url,
            "STAFF_ALERTS_EMAIL": "staff.alerts@example.org",
            "NOTIFICATIONS_SENDER_POLL_S": "0.2"})
        for process in started.values():  # started together: the test's longest wait
            process.wait_healthy(90.0)
        said: list[str] = []
        demo = await drive_sample_case(
            {name: process.url for name, process in started.items()},
            intake_webhook_secret=INTAKE_SECRET, custody_webhook_secret=CUSTODY_SECRET,
            staff_file=tmp_path / "var" / "staff.toml", say=said.append, timeout=30)

        published = [from_kafka(r.value) for r in await read_topic(
            kafka_bootstrap, f"{topic_prefix}vod.scheduling", at_least=5, settle=0.5)]
        mine = [e for e in published if e.subject == demo.case_id]
        [scheduled] = [e.data for e in mine if e.type == "vod.SessionScheduled.v1"]
        assert (scheduled.session_id, scheduled.venue) == (demo.session_id, "video")
        assert scheduled.starts_at == demo.session_starts_at
        [assigned] = [e.data for e in mine if e.type == "vod.FacilitatorAssigned.v1"]
        assert assigned.facilitator_ids == [demo.facilitator_id]
        assert assigned.staff_accounts == {demo.facilitator_id: demo.staff.username}

        # The demo printed the case's timeline, from the request to the dialogue.
        kinds = [entry["type"] for entry in demo.timeline]
        assert kinds[0] == "vod.RequestReceived.v1"
        assert {"vod.EligibilityDetermined.v1", "vod.FacilitatorAssigned.v1",
                "vod.SessionScheduled.v1"} <= set(kinds)
        printed = said[-len(demo.timeline):]
        assert all(entry["summary"] in line for entry, line in zip(demo.timeline, printed))
        assert demo.reference in said[-len(demo.timeline) - 1]

        assert await wait_until(lambda: _invitation(catchers, demo.victim_email), timeout=20), (
            "no invitation reached the mail catcher")
        message = _invitation(catchers, demo.victim_email)

    assert "diálogo" in message["Subject"].lower() and demo.reference in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert "videollamada" in text and "facilitador" in text
    # The invitation is in the message's body (mail programs show it as one) and attached
    # as a file (for those that want a file); the two are the same calendar.
    inline, attached = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert attached.get_filename() and not inline.get_filename()
    assert inline.get_payload(decode=True) == attached.get_payload(decode=True)
    part = attached
    assert part.get_param("method") == "REQUEST"
    calendar = Calendar.from_ical(part.get_payload(decode=True))
    assert str(calendar["METHOD"]) == "REQUEST"
    [event] = calendar.walk("VEVENT")
    starts = event.decoded("DTSTART")
    assert event["DTSTART"].params["TZID"] == VICTIM_ZONE
    in_her_zone = demo.session_starts_at.astimezone(ZoneInfo(VICTIM_ZONE))
    assert starts.utcoffset() == in_her_zone.utcoffset() and starts.hour == in_her_zone.hour
    assert starts == demo.session_starts_at
    assert str(event["UID"]).startswith(demo.session_id)
    summary, description = str(event["SUMMARY"]), str(event["DESCRIPTION"])
    assert demo.reference in summary and summary.startswith("Diálogo")
    assert "Referencia" in description and "facilitador" in description
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == [VICTIM_ZONE]
