import base64
import json
import uuid
from datetime import datetime, timezone

import httpx
import pytest
from sqlalchemy import select

from vod_devtools.staff_testing import add_staff, sign_in
from vod_devtools.testing import IntakeSealer
from vod_devtools.webhooks import signed_headers as webhook_headers
from vod_shared.db import outbox
from vod_shared.envelope import Envelope, from_kafka, new_envelope
from vod_shared.events import (
    EventData,
    PersonRegistered,
    PersonUpdated,
    RequestReceived,
    SealedDetails,
)
from vod_shared.person_keys import CONTACT, LOGISTICS
from vod_shared.person_keys import NAME as NAME_PURPOSE
from vod_devtools.migrated import migrated
from vod_shared.sealing import KeyDirectory
from vod_shared.staff import Role

from screening.bootstrap import MIGRATIONS, bootstrap, event_handlers
from screening.config import Settings
from screening.service_layer import handlers

SECRET = "whsec_" + base64.b64encode(b"custody-feed-secret-for-tests-01").decode()


NAME = {"given_name": "Ana", "family_name": "López"}


def new_cdcr_number() -> str:
    """A random CDCR number (two letters, four digits), so tests never meet."""
    letters = "".join(chr(65 + b % 26) for b in uuid.uuid4().bytes[:2])
    return f"{letters}{uuid.uuid4().int % 10_000:04d}"


def signed_headers(body: bytes, *, secret: str = SECRET, webhook_id: str | None = None,
                   at: datetime | None = None) -> dict[str, str]:
    return webhook_headers(body, secret, webhook_id=webhook_id, at=at)


def custody_change(**overrides) -> dict:
    """A feed call as docs/contract.md shows it; ``details__hearing_date=...`` reaches inside,
    ``field=...`` (Ellipsis) leaves a field out."""
    body = {"cdcr_number": "ab1234", "change": "transfer", "status": "in_prison",
            "facility_code": "SQ", "effective_at": "2026-11-20T08:00:00-08:00", "details": {}}
    for path, value in overrides.items():
        target = body
        *parents, leaf = path.split("__")
        for parent in parents:
            target = target[parent]
        if value is ...:
            target.pop(leaf, None)
        else:
            target[leaf] = value
    return body


def request_for(cdcr_number: str, case_id: str | None = None) -> RequestReceived:
    return RequestReceived(
        case_id=case_id or str(uuid.uuid4()), reference="VOD-2026-000001",
        requester_id=str(uuid.uuid4()), relationship="victim", cdcr_number=cdcr_number,
        preferred_language="en", preferred_channel="email", source="webhook",
        received_at=datetime.now(timezone.utc))


class Clock:
    """The time the service reads: real time, until a test moves it."""

    def __init__(self) -> None:
        self.moment: datetime | None = None

    def __call__(self) -> datetime:
        return self.moment or datetime.now(timezone.utc)

    def set(self, moment: datetime) -> None:
        self.moment = moment


class ScreeningClient:
    """The screening app over HTTP, on a real SQLite store; the broker is not started."""

    def __init__(self, app, runtime, settings, clock: Clock | None = None) -> None:
        self.app, self.runtime, self.settings = app, runtime, settings
        self.clock = clock or Clock()
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                      base_url="http://screening")
        self.clients: list[httpx.AsyncClient] = []
        self.names = app.state.names  # screening's key book, and the checks of what it keeps
        self.intake = IntakeSealer(settings.effective_keys_dir())  # seals and grants as intake

    def seal(self, details: dict, purpose: str, *, about: str) -> SealedDetails:
        """``details`` as intake seals them, under the data key of ``about`` (a person's or a
        case's id), for ``purpose``; screening can open them once granted (``grant``)."""
        return self.intake.seal(details, purpose, about=about)

    async def grant(self, *subjects: str) -> None:
        """Intake's grants to screening of these subjects' keys (all it made, without any),
        kept in the key book as the keys consumer would keep them from vod.keys."""
        async with self.runtime.uow() as uow:
            await self.intake.keep_all(self.names.keybook, uow.session, subjects or None)
            await uow.commit()

    def person(self, person_id: str, name: dict | None = NAME, *, updated: bool = False,
               **contact) -> PersonRegistered | PersonUpdated:
        """A PersonRegistered (or PersonUpdated) as intake publishes it: the contact details
        for notifications, and the name alone for staff pages (``staff_view``)."""
        kind = PersonUpdated if updated else PersonRegistered
        details = {**(name or {}), "email": "ana.lopez@example.org", "phone": "+16195550100",
                   **contact}
        return kind(person_id=person_id, sealed=self.seal(details, CONTACT, about=person_id),
                    staff_view=self.seal(name, NAME_PURPOSE, about=person_id) if name else None,
                    at=datetime.now(timezone.utc))

    def intake_request(self, cdcr_number: str, logistics: dict | None = None) -> RequestReceived:
        """A RequestReceived as intake publishes it, ``logistics`` sealed about its case."""
        request = request_for(cdcr_number)
        if logistics is None:
            return request
        return request.model_copy(update={"logistics": self.seal(
            logistics, LOGISTICS, about=request.case_id)})

    async def staff(self, *roles: Role, username: str | None = None) -> httpx.AsyncClient:
        """A signed-in staff member's browser (``client.username`` says who)."""
        person = add_staff(self.settings.effective_staff_file(),
                           username or f"staff{uuid.uuid4().hex[:8]}", *roles)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app),
                                   base_url="http://screening")
        await sign_in(client, person)
        client.username = person.username
        self.clients.append(client)
        return client

    async def apply(self, data: EventData, *, subject: str | None = None,
                    source: str = "/services/intake", event_id: str | None = None) -> Envelope:
        """An event from a topic, handled as screening's consumer would (inbox included)."""
        envelope = new_envelope(data, source=source, event_id=event_id,
                                subject=subject or getattr(data, "case_id", None) or "subject")
        handler = event_handlers(self.settings.topics, self.clock, self.names)[type(data)]
        async with self.runtime.uow() as uow:
            if await uow.first_time_seen("screening", envelope):
                await handler(envelope, uow)
                await uow.commit()
        return envelope

    async def post(self, body: dict | bytes, **sign) -> httpx.Response:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return await self.http.post("/webhooks/custody", content=raw,
                                    headers=signed_headers(raw, **sign))

    async def outbox(self, topic: str | None = None) -> list:
        async with self.runtime.engine.connect() as conn:
            rows = (await conn.execute(select(outbox).order_by(outbox.c.seq))).all()
        return [row for row in rows if topic is None or row.topic == topic]

    async def events(self, topic: str) -> list:
        return [from_kafka(row.value) for row in await self.outbox(topic)]

    async def request(self, cdcr_number: str) -> str:
        """A RequestReceived, handled as the consumer would; returns the case id."""
        request = request_for(cdcr_number)
        envelope = new_envelope(request, source="/services/intake", subject=request.case_id)
        async with self.runtime.uow() as uow:
            await handlers.decide_eligibility(envelope, uow, topics=self.settings.topics,
                                              clock=lambda: datetime.now(timezone.utc))
            await uow.commit()
        return request.case_id

    async def handle(self, data, handler) -> None:
        envelope = new_envelope(data, source="/services/intake", subject=data.case_id)
        async with self.runtime.uow() as uow:
            await handler(envelope, uow, clock=lambda: datetime.now(timezone.utc))
            await uow.commit()


def sqlite_settings(tmp_path, **extra) -> Settings:
    KeyDirectory(tmp_path / "keys").init()
    return Settings(SCREENING_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/screening.db",
                    CUSTODY_WEBHOOK_SECRET=SECRET, KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1",
                    VOD_DATA_DIR=str(tmp_path), VOD_STAFF_FILE=str(tmp_path / "staff.toml"),
                    STAFF_SESSION_SECRET="screening-tests-staff-session-secret-0123456789",
                    **extra)


@pytest.fixture
async def screening(tmp_path) -> ScreeningClient:
    settings = sqlite_settings(tmp_path)
    clock = Clock()
    runtime, app = bootstrap(settings, clock=clock)
    await migrated(runtime.engine, MIGRATIONS)  # a copy of a store migrated once
    client = ScreeningClient(app, runtime, settings, clock)
    yield client
    for staff in client.clients:
        await staff.aclose()
    await client.http.aclose()
    await runtime.engine.dispose()
