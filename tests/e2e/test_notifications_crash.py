"""The notifications service killed (exit 137, as kill -9) in the middle of a burst of 1,000
notifications, between a provider's acceptance and the record of it, then restarted: every
message arrives once at the catchers, none twice, and the one whose outcome the service
cannot know is declared unknown for staff instead of being sent again."""
import json
import uuid
from collections import Counter
from datetime import datetime, timezone
from email import message_from_string
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from vod_devtools.catchers import Catchers
from vod_devtools.net import free_port
from vod_devtools.testing import IntakeSealer, produce, read_topic, wait_until
from vod_shared.envelope import from_kafka, new_envelope, to_kafka
from vod_shared.events import PersonRegistered, RequestReceived
from vod_shared.person_keys import CONTACT, grant_record_key

from .services import ServiceProcess

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
PEOPLE, REQUESTS_EACH, KILLED_AT = 100, 10, 300


def _record(data, subject):
    record = to_kafka(new_envelope(data, source="/services/intake", subject=subject))
    return record.key, record.value


def _grants(sealer: IntakeSealer) -> list:
    """The data keys notifications is given on vod.keys, as intake publishes them."""
    return [_record(granted, grant_record_key(granted.subject_id, granted.reader))
            for granted in sealer.grants("notifications")]


def _where_it_is_midday(now: datetime) -> str:
    """A time zone in which it is about noon now (Etc/GMT-3 is three hours ahead of UTC)."""
    ahead = 12 - now.hour
    return "Etc/GMT" + (f"-{ahead}" if ahead > 0 else f"+{-ahead}" if ahead < 0 else "")


def _burst(sealer: IntakeSealer):
    now = datetime.now(timezone.utc)
    people, requests = [], []
    for p in range(PEOPLE):
        person, by_text = str(uuid.uuid4()), p % 2 == 1
        details = {"given_name": "Ana", "family_name": "López", "email": f"p{p}@example.org",
                   "phone": f"+1619555{p:04d}", "preferred_language": "es" if p % 3 else "en",
                   "preferred_channel": "sms" if by_text else "email", "state": "CA",
                   "time_zone": _where_it_is_midday(now)}  # no text held for quiet hours
        people.append(_record(PersonRegistered(person_id=person, at=now,
                                               sealed=sealer.seal(details, CONTACT,
                                                                  about=person)),
                              person))
        for r in range(REQUESTS_EACH):
            case = str(uuid.uuid4())
            requests.append(_record(RequestReceived(
                case_id=case, reference=f"VOD-2026-{p * REQUESTS_EACH + r:06d}",
                requester_id=person, relationship="victim", cdcr_number="AB1234",
                preferred_language=details["preferred_language"],
                preferred_channel=details["preferred_channel"], source="webhook",
                received_at=now), case))
    return people, requests


async def _deliveries(url: str) -> list:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text(
                "SELECT id, status, channel, reference FROM deliveries"))).all()
    finally:
        await engine.dispose()


async def test_killed_mid_burst_every_message_arrives_once_and_the_unknown_is_for_staff(
        service_env, processes, kafka_bootstrap, topic_prefix, tmp_path):
    total = PEOPLE * REQUESTS_EACH
    sealer = IntakeSealer(Path(service_env["VOD_KEYS_DIR"]))
    url = f"sqlite+aiosqlite:///{tmp_path / 'notifications.db'}"
    with Catchers(tmp_path / "catchers", smtp_port=free_port(), http_port=free_port()) as catchers:
        env = service_env | {
            "NOTIFICATIONS_DATABASE_URL": url, "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(catchers.smtp_port), "SMS_API_BASE": catchers.http_base,
            "SMS_AUTH_TOKEN": "token", "NOTIFICATIONS_SENDING_LEASE_S": "3",
            "SMTP_TIMEOUT_S": "2", "SMS_TIMEOUT_S": "2", "NOTIFICATIONS_SENDER_POLL_S": "0.2"}
        # One send at a time, so exactly one is in flight when the process dies.
        doomed = ServiceProcess("notifications", env | {
            "VOD_FAILPOINT": f"notifications.after_send:{KILLED_AT}",
            "NOTIFICATIONS_SENDER_CONCURRENCY": "1"}, tmp_path)
        doomed.start()
        people, requests = _burst(sealer)
        await produce(kafka_bootstrap, f"{topic_prefix}vod.keys", *_grants(sealer))
        await produce(kafka_bootstrap, f"{topic_prefix}vod.people", *people)
        await produce(kafka_bootstrap, f"{topic_prefix}vod.intake", *requests)
        assert doomed.wait_exit(180) == 137, doomed.log()[-2000:]
        arrived_before = len(catchers.mail.read()) + len(catchers.sms.read())
        assert arrived_before == KILLED_AT

        processes("notifications", env)

        async def settled() -> bool:
            rows = await _deliveries(url)
            return len(rows) == total and all(r.status in ("sent", "unknown") for r in rows)

        assert await wait_until(settled, timeout=240, interval=1.0)
        announced = await read_topic(kafka_bootstrap, f"{topic_prefix}vod.notifications",
                                     at_least=total, timeout=60, settle=3)
        mails, texts = catchers.mail.read(), catchers.sms.read()

    rows = await _deliveries(url)
    statuses = Counter(r.status for r in rows)
    [unknown] = [r for r in rows if r.status == "unknown"]
    assert statuses == {"sent": total - 1, "unknown": 1}

    # Counted where they arrive: every one of the 1,000, none twice. A mail's Message-ID
    # ends with its delivery id; a text starts with its case reference.
    mail_ids = [message_from_string(m["raw"])["Message-ID"].strip("<>").split("@")[0]
                .rsplit(".", 1)[1] for m in mails]
    text_refs = [m["body"][:15] for m in texts]
    assert len(mails) + len(texts) == total
    assert len(set(mail_ids)) == len(mails) and len(set(text_refs)) == len(texts)
    assert set(mail_ids) == {r.id for r in rows if r.channel == "email"}
    assert set(text_refs) == {r.reference for r in rows if r.channel == "sms"}

    # The interrupted one really went (the provider took it before the kill); the service
    # cannot know that, so it says "unknown" and leaves it to staff instead of resending.
    assert unknown.id in mail_ids or unknown.reference in text_refs
    # The relay publishes at least once: a row sent just before the kill may go out again
    # after the restart with the same event id, which every consumer's inbox absorbs.
    events = list({e.id: e for e in map(from_kafka, (r.value for r in announced))}.values())
    outcomes = Counter((e.type, getattr(e.data, "reason", None)) for e in events)
    assert outcomes[("vod.NotificationSent.v1", None)] == total - 1
    assert outcomes[("vod.NotificationFailed.v1", "outcome_unknown")] == 1
    [failed] = [e for e in events if e.type == "vod.NotificationFailed.v1"]
    assert failed.data.notification_id == unknown.id
    assert json.dumps([e.data.model_dump(mode="json") for e in events]).count("@example.org") == 0
