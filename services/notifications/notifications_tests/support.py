"""What the notifications tests share: a fixed clock that tests move, recording providers
whose answers a test can script, event builders, and a harness that runs the real handlers,
inbox and sender over a real (SQLite) store."""
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from icalendar import Calendar
from sqlalchemy import select

from vod_shared.consumer import DeadLetters, EventConsumer, Record
from vod_shared.db import create_engine, outbox, session_factory
from vod_shared.envelope import Envelope, from_kafka, new_envelope, to_kafka
from vod_shared.keybook import held_keys
from vod_shared.events import (
    CustodyStatusChanged,
    EligibilityDetermined,
    MeetingScheduled,
    PersonRegistered,
    PersonUpdated,
    RegistrationReceived,
    RequestReceived,
    SealedDetails,
    SessionScheduled,
)
from vod_devtools.migrated import migrated
from vod_shared.person_keys import CONTACT
from vod_shared.sealing import KeyDirectory
from vod_shared.topics import Topics
from vod_devtools.testing import IntakeSealer

from notifications.adapters.contacts import ContactKeys
from notifications.adapters.rendering import Renderer
from notifications.adapters.victim_links import VictimLinkUrls
from notifications.bootstrap import MIGRATIONS, event_handlers
from notifications.domain.delivery import RetryPolicy, Sent
from notifications.service_layer.outcomes import Outcomes
from notifications.service_layer.sender import Sender
from notifications.service_layer.staff_alerts import StaffAlerts
from notifications.service_layer.unit_of_work import UnitOfWork

UTC = timezone.utc
LINK_SECRET = "test-victim-link-secret"
INTAKE_URL = "https://intake.example.test"
STAFF_MAILBOX = "vod-staff@example.gov"


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def move(self, **delta) -> None:
        self.now += timedelta(**delta)


@dataclass
class RecordingProvider:
    """Records every send; answers from ``script`` first, then ``Sent``."""

    channel: str
    sent: list[dict] = field(default_factory=list)
    script: deque = field(default_factory=deque)

    async def send(self, message, *, to: str, delivery_id: str, **_) -> object:
        outcome = self.script.popleft() if self.script else Sent(f"{self.channel}-{len(self.sent) + 1}")
        if isinstance(outcome, Sent) or type(outcome).__name__ == "OutcomeUnknown":
            self.sent.append({"to": to, "message": message, "delivery_id": delivery_id})
        return outcome


def contact(**overrides) -> dict:
    details = {"given_name": "Ana", "family_name": "López", "email": "ana@example.org",
               "phone": "+16195550100", "preferred_language": "en",
               "preferred_channel": "email", "state": "CA", "time_zone": None}
    return {**details, **overrides}


def sealed_by_intake(intake: IntakeSealer, details: dict, purpose: str = CONTACT, *,
                     about: str) -> SealedDetails:
    """``details`` as intake seals them (the only sealer notifications takes people from),
    under the data key of the person ``about``, for ``purpose`` (notifications reads
    ``CONTACT`` alone). The key reaches notifications only with its grant (``Harness.grant``,
    or a SubjectKeyGranted on vod.keys)."""
    return intake.seal(details, purpose, about=about)


def person_registered(intake: IntakeSealer, person_id: str, details: dict,
                      at: datetime) -> PersonRegistered:
    return PersonRegistered(person_id=person_id,
                            sealed=sealed_by_intake(intake, details, about=person_id), at=at)


def request(case_id: str, requester_id: str, *, language="en", channel="email",
            at: datetime, reference="VOD-2026-000123") -> RequestReceived:
    return RequestReceived(case_id=case_id, reference=reference, requester_id=requester_id,
                           relationship="victim", cdcr_number="AB1234",
                           preferred_language=language, preferred_channel=channel,
                           source="webhook", received_at=at)


def registration(registration_id: str, registrant_id: str, *, notify_on, relationship="victim",
                 channel="sms", language="en", cdcr="AB1234", at: datetime) -> RegistrationReceived:
    return RegistrationReceived(registration_id=registration_id, registrant_id=registrant_id,
                                relationship=relationship, cdcr_number=cdcr, notify_on=notify_on,
                                preferred_language=language, preferred_channel=channel,
                                received_at=at)


def custody(change: str, *, at: datetime, cdcr="AB1234", facility="SQ",
            hearing_date: date | None = None, status="in_prison") -> CustodyStatusChanged:
    return CustodyStatusChanged(change_id=str(uuid.uuid4()), cdcr_number=cdcr, change=change,
                                status=status, facility_code=facility, effective_at=at,
                                hearing_date=hearing_date)


def eligibility(case_id: str, outcome: str, *, at: datetime, **extra) -> EligibilityDetermined:
    return EligibilityDetermined(case_id=case_id, outcome=outcome, reason="not_in_registry",
                                 cdcr_number="AB1234", decided_at=at, **extra)


def new_id() -> str:
    return str(uuid.uuid4())


class Harness:
    """The service without Kafka or real providers: events go through the real inbox and
    handlers, deliveries through the real sender, into recording providers."""

    def __init__(self, database_url: str, keys_dir: Path, clock: FakeClock, *,
                 policy: RetryPolicy = RetryPolicy(), lease=timedelta(minutes=5),
                 staff_mailbox: str | None = None, link_secret: str | None = None) -> None:
        self.engine = create_engine(database_url)
        self.uow = lambda: UnitOfWork(session_factory(self.engine), source="/services/notifications")
        self.clock, self.keys = clock, KeyDirectory(keys_dir)
        self.keys.init()
        self.intake = IntakeSealer(keys_dir)  # seals and grants as intake does
        self.contact_keys = ContactKeys(keys_dir)
        self.email, self.sms = RecordingProvider("email"), RecordingProvider("sms")
        self.dead: list[tuple[str, bytes]] = []
        alerts = StaffAlerts(staff_mailbox)
        self.consumer = EventConsumer(name="notifications", uow=self.uow,
                                      handlers=event_handlers(clock, alerts,
                                                              keys=self.contact_keys),
                                      max_attempts=1,
                                      dead_letters=DeadLetters(self._dead, consumer="notifications"))
        self.topics = Topics("")
        links = VictimLinkUrls(link_secret, INTAKE_URL) if link_secret else None
        self.outcomes = Outcomes(uow=self.uow, topics=self.topics, policy=policy, alerts=alerts)
        self.sender = Sender(uow=self.uow, keys=self.contact_keys,
                             renderer=Renderer(program_phone="1-877-256-6877",
                                               organizer="Victim Services <vs@dialogue.invalid>"),
                             outcomes=self.outcomes,
                             email=self.email, sms=self.sms, clock=clock, lease=lease,
                             links=links, staff_mailbox=staff_mailbox)

    async def start(self) -> "Harness":
        await migrated(self.engine, MIGRATIONS)  # a copy of a store migrated once
        return self

    async def _dead(self, topic, key, value, headers) -> None:
        self.dead.append((headers.get("dlq-reason"), value))

    async def deliver(self, data, *, subject: str, event_id: str | None = None,
                      dead_letter_expected: bool = False) -> Envelope:
        envelope = new_envelope(data, source="/services/test", subject=subject, event_id=event_id,
                                time=self.clock())
        await self.redeliver(envelope, dead_letter_expected=dead_letter_expected)
        return envelope

    async def redeliver(self, envelope: Envelope, *, dead_letter_expected: bool = False) -> None:
        record = to_kafka(envelope)
        await self.consumer.consume(Record("test", 0, 0, record.key, record.value))
        if not dead_letter_expected:
            assert not self.dead, self.dead

    async def grant(self, *subjects: str) -> None:
        """Intake's grants of these subjects' keys (all it made, without any), kept in the key
        book as the keys consumer would keep them from vod.keys."""
        async with self.uow() as uow:
            await self.intake.keep_all(self.contact_keys.book, uow.session,
                                       subjects or None)
            await uow.commit()

    async def held_keys(self, subject: str) -> list:
        async with self.engine.connect() as conn:
            return (await conn.execute(select(held_keys).where(
                held_keys.c.subject_id == subject))).all()

    async def person(self, person_id: str, *, key: bool = True, **details) -> None:
        """PersonRegistered, sealed by intake; ``key``: her key granted first."""
        data = person_registered(self.intake, person_id, contact(**details), self.clock())
        if key:
            await self.grant(person_id)
        await self.deliver(data, subject=person_id)

    async def update_person(self, person_id: str, **details) -> None:
        """PersonUpdated: her details as they are now (``contact()`` with ``details``)."""
        sealed = sealed_by_intake(self.intake, contact(**details), about=person_id)
        await self.grant(person_id)
        await self.deliver(PersonUpdated(person_id=person_id, sealed=sealed, at=self.clock()),
                           subject=person_id)

    async def send_due(self) -> int:
        """Passes of the sender until nothing more is due now."""
        total = 0
        await self.sender.reconcile_interrupted()
        while handled := await self.sender.send_due():
            total += handled
            if total > 10_000:
                raise AssertionError("the sender keeps finding work")
        return total

    async def deliveries(self, **filters):
        async with self.uow() as uow:
            return [d for d, _ in await uow.deliveries.listing(**filters)][::-1]

    async def announced(self) -> list[Envelope]:
        async with self.engine.connect() as conn:
            values = (await conn.execute(select(outbox.c.value).order_by(outbox.c.seq))).scalars()
            return [from_kafka(v) for v in values]

    async def close(self) -> None:
        await self.engine.dispose()


def meeting(case_id: str, *, starts_at: datetime, party="victim", mode="phone", sequence=0,
            meeting_id: str | None = None, follow_up=False) -> MeetingScheduled:
    return MeetingScheduled(case_id=case_id, meeting_id=meeting_id or new_id(), party=party,
                            mode=mode, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1),
                            facilitator_ids=[new_id()], follow_up=follow_up, sequence=sequence)


def session(case_id: str, *, starts_at: datetime, session_id: str | None = None, sequence=0,
            venue="facility", facility="SQ", time_zone="America/Los_Angeles") -> SessionScheduled:
    return SessionScheduled(case_id=case_id, session_id=session_id or new_id(), venue=venue,
                            starts_at=starts_at, ends_at=starts_at + timedelta(hours=3),
                            facility_code=facility if venue == "facility" else None,
                            facilitator_ids=[new_id()], time_zone=time_zone, sequence=sequence)


def calendar_of(message) -> "Calendar":
    """The .ics attached to an email, parsed; it must be the only attachment."""
    [attachment] = message.attachments
    assert (attachment.maintype, attachment.subtype) == ("text", "calendar")
    return Calendar.from_ical(attachment.data)
