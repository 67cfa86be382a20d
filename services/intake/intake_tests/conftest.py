import base64
import json
import os
import re
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from sqlalchemy import select

from vod_devtools.webhooks import signed_headers as webhook_headers
from vod_shared.db import outbox
from vod_shared.envelope import from_kafka
from vod_shared.events import SealedDetails, SubjectKeyGranted
from vod_devtools.migrated import migrated
from vod_shared.person_keys import check_sealer, open_grant, open_under
from vod_shared.sealing import CannotUnseal, KeyDirectory

from intake.bootstrap import MIGRATIONS, bootstrap
from intake.config import Settings

LINK_SECRET = "victim-link-secret-for-tests"
SECRET = "whsec_" + base64.b64encode(b"partner-secret-for-tests-0123456").decode()


def signed_headers(body: bytes, *, secret: str = SECRET, webhook_id: str | None = None,
                   at: datetime | None = None) -> dict[str, str]:
    return webhook_headers(body, secret, webhook_id=webhook_id, at=at)


def dialogue_request(**overrides) -> dict:
    body = {
        "kind": "dialogue_request",
        "requester": {"given_name": "Ana", "family_name": "López", "relationship": "victim",
                      "email": "ana.lopez@example.org", "phone": "(619) 555-0100",
                      "preferred_language": "es", "preferred_channel": "email", "state": "AZ"},
        "offender": {"cdcr_number": "ab1234", "given_name": "John", "family_name": "Doe"},
        "notes": "Prefiere que la llamen por la tarde.",
    }
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


class FakePost:
    """The door's mail and SMS as a test sees them: what was sent, to whom."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []  # (channel, to, subject + text)
        self.failing = False

    async def email(self, to: str, message, *, language: str) -> None:
        self._send("email", to, f"{message.subject}\n{message.text}")

    async def sms(self, to: str, message) -> None:
        self._send("sms", to, message.text)

    def _send(self, channel: str, to: str, words: str) -> None:
        from intake.adapters.door_post import NotSent
        if self.failing:
            raise NotSent()
        self.sent.append((channel, to, words))

    def last_link(self) -> str:
        return re.search(r"https?://\S+/confirm/(\S+)", self.sent[-1][2]).group(1)

    def last_code(self) -> str:
        return re.search(r"\b(\d{6})\b", self.sent[-1][2]).group(1)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


class IntakeClient:
    """The intake app over HTTP, on a real SQLite store; the broker is not started."""

    def __init__(self, app, runtime, post: FakePost, clock: Clock) -> None:
        self.app = app
        self.runtime = runtime
        self.post_office = post
        self.clock = clock
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                      base_url="http://intake")

    async def post(self, body: dict | bytes, **sign) -> httpx.Response:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return await self.http.post("/webhooks/requests", content=raw,
                                    headers=signed_headers(raw, **sign))

    async def outbox(self, topic: str | None = "vod.intake") -> list:
        """The events intake will publish (on one topic, or all with ``topic=None``)."""
        query = select(outbox).order_by(outbox.c.seq)
        if topic:
            query = query.where(outbox.c.topic == topic)
        async with self.runtime.engine.connect() as conn:
            return (await conn.execute(query)).all()

    async def events(self) -> list[dict]:
        """The events intake will publish on every topic but ``vod.keys`` (the grants) and
        ``vod.audit`` (its staff audit entries)."""
        return [json.loads(r.value) for r in await self.outbox(topic=None)
                if r.topic not in ("vod.keys", "vod.audit")]

    async def grants(self) -> list[SubjectKeyGranted]:
        """The data keys intake gave readers on ``vod.keys`` (tombstones left out)."""
        return [from_kafka(r.value).data for r in await self.outbox(topic="vod.keys")
                if r.event_type != "tombstone"]

    @property
    def keys(self) -> KeyDirectory:
        return KeyDirectory(self.runtime.settings.effective_keys_dir())

    async def open(self, sealed, *, about: str) -> dict:
        """A value intake sealed, opened as intake does (with the key in its store)."""
        context = self.app.state.intake.context
        async with self.runtime.uow() as uow:
            return await context.keys.open(uow, SealedDetails.model_validate(sealed),
                                           about=about)

    async def opened_by(self, reader: str, sealed, *, about: str) -> dict:
        """What ``reader`` opens of ``sealed`` with its own private key files and the latest
        grant to it of that key in intake's outbox (what compaction keeps); CannotUnseal if it
        cannot."""
        keyring = self.keys.keyring(reader)
        sealed = SealedDetails.model_validate(sealed)
        check_sealer(sealed, keyring=keyring, senders=("intake",), about=about)
        for granted in reversed(await self.grants()):
            if granted.reader == reader and granted.key_id == sealed.key_id:
                return open_under(sealed, open_grant(granted, keyring=keyring),
                                  subject=granted.subject_id, about=about)
        raise CannotUnseal("no_grant", f"no grant of that key to {reader}")


@pytest.fixture
async def intake(tmp_path) -> IntakeClient:
    async for client in intake_on(tmp_path, f"sqlite+aiosqlite:///{tmp_path}/intake.db"):
        yield client


async def intake_on(tmp_path, database_url: str, **more):
    """The intake app over HTTP on the given store, with a fake post office and clock (and
    ``more`` settings, by their variable names)."""
    KeyDirectory(tmp_path / "keys").init()
    settings = Settings(INTAKE_DATABASE_URL=database_url,
                        INTAKE_WEBHOOK_SECRET=SECRET, KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1",
                        VOD_KEYS_DIR=str(tmp_path / "keys"), VICTIM_LINK_SECRET=LINK_SECRET,
                        VOD_STAFF_FILE=str(tmp_path / "staff.toml"),
                        STAFF_SESSION_SECRET="intake-tests-staff-session-secret-0123456789",
                        **more)
    post, clock = FakePost(), Clock()
    runtime, app = bootstrap(settings, clock=clock, post=post)
    await migrated(runtime.engine, MIGRATIONS)  # a copy of a store migrated once
    client = IntakeClient(app, runtime, post, clock)
    yield client
    await client.http.aclose()
    await runtime.engine.dispose()


@contextmanager
def operator_env(intake: IntakeClient):
    """The environment an operator's command (``python -m intake.erase``, ``intake.keys``)
    reads: the same store and keys as the service."""
    settings = intake.runtime.settings
    env = {"INTAKE_DATABASE_URL": settings.effective_database_url(),
           "VOD_KEYS_DIR": str(settings.effective_keys_dir()),
           "VICTIM_LINK_SECRET": settings.victim_link_secret,
           "STAFF_SESSION_SECRET": settings.effective_session_secret()}  # nothing made in var/
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in old.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
