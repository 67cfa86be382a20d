"""The service as it runs: events over the real broker, mail to a real SMTP server and texts to
a Twilio-compatible HTTP server (the project's catchers), counted where they arrive."""
import asyncio
import threading
import urllib.error
import urllib.request
from contextlib import asynccontextmanager
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from vod_devtools.catchers import Catchers
from vod_devtools.migrated import migrated
from vod_devtools.net import free_port
from vod_devtools.testing import IntakeSealer, produce, read_topic, wait_until, owner_source
from vod_shared.envelope import from_kafka, new_envelope, to_kafka
from vod_shared.events import PersonErased
from vod_shared.person_keys import grant_record_key
from vod_shared.sealing import KeyDirectory

from notifications.bootstrap import MIGRATIONS, bootstrap, utc_now
from notifications.config import Settings
from vod_shared.zones import PROGRAM_ZONE

from ..conftest import NIGHT_IN_CALIFORNIA
from ..support import FakeClock, contact, custody, new_id, person_registered, registration, request

pytestmark = pytest.mark.integration


@pytest.fixture
def catchers(tmp_path):
    with Catchers(tmp_path / "catchers", smtp_port=free_port(), http_port=free_port()) as c:
        yield c


def _settings(kafka_bootstrap, topic_prefix, url, tmp_path, *, smtp_port, sms_base, **extra):
    return Settings(KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap, VOD_TOPIC_PREFIX=topic_prefix,
                    NOTIFICATIONS_DATABASE_URL=url, VOD_DATA_DIR=str(tmp_path / "var"),
                    KAFKA_SESSION_TIMEOUT_MS=6000, OUTBOX_POLL_INTERVAL_S=0.2,
                    CONSUMER_RETRY_BACKOFF_S=0.05, SMTP_PORT=smtp_port, SMTP_HOST="127.0.0.1",
                    SMS_API_BASE=sms_base, SMS_AUTH_TOKEN="token", NOTIFICATIONS_SENDER_POLL_S=0.2,
                    **extra)


@asynccontextmanager
async def running(settings, clock=utc_now):
    KeyDirectory(settings.effective_keys_dir()).init()
    runtime, app = bootstrap(settings, clock=clock)
    await migrated(runtime.engine, MIGRATIONS)  # the store made here: no child at start
    async with app.router.lifespan_context(app):  # the runtime and the sender
        yield app


def daytime_in_california():
    """The real clock, moved to about noon in California: a text is not held for the night
    whatever the time the test runs at (it still moves, so retries come due)."""
    shift = timedelta(hours=12 - utc_now().astimezone(ZoneInfo(PROGRAM_ZONE)).hour)
    return lambda: utc_now() + shift


async def _publish(kafka_bootstrap, topic, *events):
    """Publishes (data, subject) pairs as CloudEvents, in order."""
    records = []
    for data, subject in events:
        record = to_kafka(new_envelope(data, source=owner_source(topic), subject=subject))
        records.append((record.key, record.value))
    await produce(kafka_bootstrap, topic, *records)


async def _people(kafka_bootstrap, settings, clock, *people, keys: bool = True) -> IntakeSealer:
    """Publishes each person as intake does: her PersonRegistered on vod.people and (``keys``)
    the grant of her key to notifications on vod.keys. Returns the sealer, whose grants a
    test can publish later (``_grants``)."""
    KeyDirectory(settings.effective_keys_dir()).init()
    intake = IntakeSealer(settings.effective_keys_dir())
    await _publish(kafka_bootstrap, settings.topics.people, *[
        (person_registered(intake, person_id, contact(**details), clock()), person_id)
        for person_id, details in people])
    if keys:
        await _grants(kafka_bootstrap, settings, intake)
    return intake


async def _grants(kafka_bootstrap, settings, intake: IntakeSealer) -> None:
    await _publish(kafka_bootstrap, settings.topics.keys, *[
        (granted, grant_record_key(granted.subject_id, granted.reader))
        for granted in intake.grants("notifications")])


async def test_a_spanish_speaking_victims_acknowledgement_arrives_in_spanish(
        kafka_bootstrap, topic_prefix, database_url_factory, tmp_path, catchers):
    settings = _settings(kafka_bootstrap, topic_prefix, database_url_factory("notifications"),
                         tmp_path, smtp_port=catchers.smtp_port, sms_base=catchers.http_base)
    person, case = new_id(), new_id()
    async with running(settings):
        await _people(kafka_bootstrap, settings, utc_now,
                      (person, {"preferred_language": "es", "email": "maria@example.org"}))
        await _publish(kafka_bootstrap, settings.topics.intake, (request(
            case, person, language="es", at=utc_now(), reference="VOD-2026-000777"), case))
        assert await wait_until(lambda: catchers.mail.read(), timeout=30)
        announced = await read_topic(kafka_bootstrap, settings.topics.notifications, at_least=1)

    [mail] = catchers.mail.read()
    assert mail["rcpt_tos"] == ["maria@example.org"]
    assert mail["subject"] == "Recibimos su solicitud de diálogo (VOD-2026-000777)"
    assert mail["text"].startswith("Hola, Ana:") and "VOD-2026-000777" in mail["text"]
    assert 'lang="es"' in mail["html"] and "VOD-2026-000777" in mail["html"]
    [sent] = [from_kafka(r.value) for r in announced]
    assert sent.type == "vod.NotificationSent.v1" and sent.subject == case
    assert b"maria" not in announced[0].value


async def test_her_details_read_before_her_key_go_out_once_the_key_arrives(
        kafka_bootstrap, topic_prefix, tmp_path, catchers):
    """Her details (vod.people) and her key (vod.keys) travel on different topics: read
    first, the details are kept and her acknowledgement waits; when the grant comes, it goes,
    once, to her."""
    settings = _settings(kafka_bootstrap, topic_prefix,
                         f"sqlite+aiosqlite:///{tmp_path / 'n.db'}", tmp_path,
                         smtp_port=catchers.smtp_port, sms_base=catchers.http_base)
    person, case = new_id(), new_id()
    async with running(settings):
        intake = await _people(kafka_bootstrap, settings, utc_now,
                               (person, {"email": "late.key@example.org"}), keys=False)
        await _publish(kafka_bootstrap, settings.topics.intake,
                       (request(case, person, at=utc_now()), case))
        assert await wait_until(lambda: _delivery_states(settings, person), timeout=30)
        await asyncio.sleep(2)  # the sender (polling every 0.2 s) has tried it meanwhile
        assert await _delivery_states(settings, person) == ["pending"]
        assert await _contact_kept(settings, person)  # kept without her key
        assert catchers.mail.read() == []

        await _grants(kafka_bootstrap, settings, intake)
        assert await wait_until(lambda: catchers.mail.read(), timeout=30)
        await read_topic(kafka_bootstrap, settings.topics.notifications, at_least=1, settle=2)
        assert await _delivery_states(settings, person) == ["sent"]

    [mail] = catchers.mail.read()
    assert mail["rcpt_tos"] == ["late.key@example.org"]
    parked = await read_topic(kafka_bootstrap, settings.topics.dlq(settings.topics.people),
                              at_least=0, timeout=1, settle=0)
    assert parked == []


async def test_her_erasure_over_kafka_leaves_no_key_of_hers_and_sends_her_nothing(
        kafka_bootstrap, topic_prefix, tmp_path, catchers):
    settings = _settings(kafka_bootstrap, topic_prefix,
                         f"sqlite+aiosqlite:///{tmp_path / 'n.db'}", tmp_path,
                         smtp_port=catchers.smtp_port, sms_base=catchers.http_base)
    person, reg = new_id(), new_id()
    async with running(settings):
        intake = await _people(kafka_bootstrap, settings, utc_now,
                               (person, {"email": "erased@example.org"}))
        await _publish(kafka_bootstrap, settings.topics.intake, (registration(
            reg, person, notify_on=["release"], channel="email", at=utc_now()), reg))
        assert await wait_until(lambda: len(catchers.mail.read()) == 1, timeout=30)
        assert await _query(settings, "SELECT key_id FROM held_keys WHERE subject_id = :p",
                            p=person)

        await _publish(kafka_bootstrap, settings.topics.people,
                       (PersonErased(person_id=person, at=utc_now()), person))
        assert await wait_until(lambda: _erased(settings, person), timeout=30)
        await _grants(kafka_bootstrap, settings, intake)  # replayed before compaction
        await _publish(kafka_bootstrap, settings.topics.custody,
                       (custody("release", at=utc_now(), status="on_parole"), "AB1234"))
        await asyncio.sleep(3)

    assert len(catchers.mail.read()) == 1
    assert await _query(settings, "SELECT key_id FROM held_keys WHERE subject_id = :p",
                        p=person) == []
    assert await _delivery_states(settings, person) == []


async def _erased(settings, person) -> bool:
    return bool(await _query(settings, "SELECT subject_id FROM erased_subjects"
                                       " WHERE subject_id = :p", p=person))


async def _delivery_states(settings, person) -> list[str]:
    rows = await _query(settings, "SELECT status FROM deliveries WHERE recipient_id = :p"
                                  " ORDER BY seq", p=person)
    return [status for (status,) in rows]


async def _contact_kept(settings, person) -> bool:
    return bool(await _query(settings, "SELECT person_id FROM contacts WHERE person_id = :p",
                             p=person))


async def _query(settings, sql, **params) -> list:
    engine = create_async_engine(settings.effective_database_url())
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text(sql), params)).all()
    finally:
        await engine.dispose()


async def test_a_witness_gets_exactly_one_text_for_a_release_and_none_for_a_hearing(
        kafka_bootstrap, topic_prefix, tmp_path, catchers):
    settings = _settings(kafka_bootstrap, topic_prefix,
                         f"sqlite+aiosqlite:///{tmp_path / 'n.db'}", tmp_path,
                         smtp_port=catchers.smtp_port, sms_base=catchers.http_base)
    person, reg = new_id(), new_id()
    clock = daytime_in_california()
    async with running(settings, clock):
        await _people(kafka_bootstrap, settings, clock,
                      (person, {"preferred_channel": "sms", "phone": "+16195550111"}))
        await _publish(kafka_bootstrap, settings.topics.intake, (registration(
            reg, person, notify_on=["release", "transfer"], relationship="witness",
            at=clock()), reg))
        assert await wait_until(lambda: len(catchers.sms.read()) == 1, timeout=30)
        await _publish(kafka_bootstrap, settings.topics.custody,
                       (custody("parole_hearing", at=clock(), hearing_date=date(2027, 5, 1)),
                        "AB1234"),
                       (custody("release", at=clock(), status="on_parole"), "AB1234"))
        assert await wait_until(lambda: len(catchers.sms.read()) >= 2, timeout=30)
        await read_topic(kafka_bootstrap, settings.topics.notifications, at_least=2, settle=2)

    texts = [m["body"] for m in reversed(catchers.sms.read())]
    assert len(texts) == 2 and "registered" in texts[0]
    assert "released from custody" in texts[1]
    assert not any("hearing" in t for t in texts)
    assert catchers.mail.read() == []


async def test_an_escape_at_3am_goes_at_once_and_a_transfer_waits_for_the_morning(
        kafka_bootstrap, topic_prefix, tmp_path, catchers):
    settings = _settings(kafka_bootstrap, topic_prefix,
                         f"sqlite+aiosqlite:///{tmp_path / 'n.db'}", tmp_path,
                         smtp_port=catchers.smtp_port, sms_base=catchers.http_base)
    clock = FakeClock(NIGHT_IN_CALIFORNIA)  # 03:00 in California
    person, reg = new_id(), new_id()
    async with running(settings, clock) as app:
        await _people(kafka_bootstrap, settings, clock,
                      (person, {"preferred_channel": "sms", "phone": "+16195550122"}))
        # Her key comes on vod.keys (a consumer of its own): a message tried before it lands
        # waits KEY_WAIT on this stopped clock, and the escape behind it with it
        assert await wait_until(lambda: _query(
            settings, "SELECT key_id FROM held_keys WHERE subject_id = :p", p=person), timeout=30)
        await _publish(kafka_bootstrap, settings.topics.intake, (registration(
            reg, person, notify_on=["escape", "transfer"], at=clock()), reg))
        await _publish(kafka_bootstrap, settings.topics.custody,
                       (custody("transfer", at=clock(), facility="CMF"), "AB1234"),
                       (custody("escape", at=clock(), status="escaped", facility=None), "AB1234"))
        assert await wait_until(lambda: len(catchers.sms.read()) == 1, timeout=30)
        assert await wait_until(lambda: len(catchers.mail.read()) == 1, timeout=10)
        await read_topic(kafka_bootstrap, settings.topics.notifications, at_least=2, settle=2)
        assert [m["body"][:6] for m in catchers.sms.read()] == ["URGENT"]

        clock.move(hours=5)  # 08:00 in California
        app.state.sender.wake()
        assert await wait_until(lambda: len(catchers.sms.read()) == 3, timeout=30)

    later = [m["body"] for m in reversed(catchers.sms.read())][1:]
    assert "registered" in later[0] and "California Medical Facility" in later[1]
    [mail] = catchers.mail.read()
    assert mail["subject"].startswith("URGENT")


class _FlakyFront(ThreadingHTTPServer):
    """Answers 503 while ``down``; otherwise passes each request on to the SMS catcher."""

    def __init__(self, target: str) -> None:
        self.target, self.down, self.refused = target, True, 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if outer.down:
                    outer.refused += 1
                    return self._answer(503, b'{"message": "down"}')
                request = urllib.request.Request(
                    outer.target + self.path, data=body, method="POST",
                    headers={k: v for k, v in self.headers.items() if k.lower() != "host"})
                try:
                    with urllib.request.urlopen(request, timeout=5) as response:
                        self._answer(response.status, response.read())
                except urllib.error.HTTPError as error:
                    self._answer(error.code, error.read())

            def _answer(self, status, payload):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        super().__init__(("127.0.0.1", free_port()), Handler)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


async def test_providers_down_then_back_deliver_everything_once_in_order(
        kafka_bootstrap, topic_prefix, tmp_path):
    smtp_port, http_port = free_port(), free_port()
    catchers = Catchers(tmp_path / "catchers", smtp_port=smtp_port, http_port=http_port)
    front = _FlakyFront(f"http://127.0.0.1:{http_port}")
    threading.Thread(target=front.serve_forever, daemon=True).start()
    settings = _settings(kafka_bootstrap, topic_prefix, f"sqlite+aiosqlite:///{tmp_path / 'n.db'}",
                         tmp_path, smtp_port=smtp_port, sms_base=front.base,
                         NOTIFICATIONS_RETRY_FIRST_S=0.3, NOTIFICATIONS_RETRY_MAX_S=1.0)
    by_mail, by_text = [new_id() for _ in range(3)], [new_id() for _ in range(3)]
    people = [(p, {"email": f"{p}@example.org"}) for p in by_mail] + [
        (p, {"preferred_channel": "sms", "phone": f"+1619555{i:04d}"}) for i, p in enumerate(by_text)]
    clock = daytime_in_california()
    try:
        async with running(settings, clock):
            await _people(kafka_bootstrap, settings, clock, *people)
            requests = []
            for n in range(4):
                for person in by_mail + by_text:
                    case = new_id()
                    channel = "sms" if person in by_text else "email"
                    requests.append((request(case, person, channel=channel, at=clock(),
                                             reference=f"VOD-2026-{n:06d}"), case))
            await _publish(kafka_bootstrap, settings.topics.intake, *requests)
            # Neither provider answers (SMTP refused, SMS 503) for a while...
            assert await wait_until(lambda: front.refused >= 3, timeout=30)
            # ...then both come back.
            front.down = False
            catchers.start()
            assert await wait_until(
                lambda: len(catchers.mail.read()) == 12 and len(catchers.sms.read()) == 12,
                timeout=60)
            await read_topic(kafka_bootstrap, settings.topics.notifications, at_least=24, settle=3)
        mails, texts = list(reversed(catchers.mail.read())), list(reversed(catchers.sms.read()))
    finally:
        front.shutdown()
        catchers.stop() if catchers._http_thread.is_alive() else None

    assert len(mails) == 12 and len(texts) == 12  # once each, nothing twice
    # In order per person: the order their deliveries were queued in (the requests travel on
    # different partitions, so that is the order they were read in, not published in).
    queued = await _queued_references(settings)
    for person in by_mail:
        subjects = [m["subject"][-16:-1] for m in mails if m["rcpt_tos"] == [f"{person}@example.org"]]
        assert subjects == queued[person] and len(set(subjects)) == 4
    for i, person in enumerate(by_text):
        bodies = [m["body"][:15] for m in texts if m["to"] == f"+1619555{i:04d}"]
        assert bodies == queued[person] and len(set(bodies)) == 4


async def _queued_references(settings) -> dict[str, list[str]]:
    engine = create_async_engine(settings.effective_database_url())
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text(
                "SELECT recipient_id, reference FROM deliveries WHERE status = 'sent'"
                " ORDER BY seq"))).all()
    finally:
        await engine.dispose()
    queued: dict[str, list[str]] = {}
    for recipient, reference in rows:
        queued.setdefault(recipient, []).append(reference)
    return queued
