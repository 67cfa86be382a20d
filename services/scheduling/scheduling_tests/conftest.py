import tempfile
import uuid
from datetime import date, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from vod_devtools.staff_testing import add_staff, sign_in
from vod_devtools.testing import IntakeSealer
from vod_shared.consumer import DeadLetters, EventConsumer, Record
from vod_shared.db import outbox
from vod_shared.envelope import from_kafka, new_envelope, to_kafka
from vod_shared.person_keys import LOGISTICS
from vod_shared.sealing import KeyDirectory
from vod_shared.events import (
    ClearanceGranted,
    EligibilityDetermined,
    EventData,
    RequestReceived,
    ScreeningCompleted,
    VisitorRole,
)
from vod_devtools.migrated import migrated
from vod_shared.staff import Role

from scheduling.bootstrap import MIGRATIONS, bootstrap, event_handlers
from scheduling.config import Settings
from scheduling_tests.builders import Clock, pacific

SOURCES = {"RequestReceived": "intake", "CasePaused": "intake", "CaseResumed": "intake",
           "CaseWithdrawn": "intake", "CustodyStatusChanged": "screening",
           "PersonErased": "intake", "SupportPersonAdded": "intake",
           "SupportPersonRemoved": "intake"}

# How long an event waits here for a key that has not come before it is parked
NOT_YET_S = 1.0
OFFICE_WEEK = {"time_zone": "America/Los_Angeles",
               "weekly": [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]}


# The services' key pairs for these tests: intake seals the travel question under each case's
# own key, and grants scheduling the key (``SchedulingApp.grant``, or on vod.keys).
TEST_KEYS = KeyDirectory(Path(tempfile.mkdtemp(prefix="scheduling-keys-")))
TEST_KEYS.init()
INTAKE = IntakeSealer(TEST_KEYS.path)


def request(case_id: str, *, language: str = "en", travel: bool = False,
            cdcr_number: str = "AB1234", requester_id: str | None = None,
            intake: IntakeSealer = INTAKE) -> RequestReceived:
    logistics = intake.seal({"offer_travel_accommodation": travel}, LOGISTICS, about=case_id)
    return RequestReceived(
        case_id=case_id, reference="VOD-2026-000001", requester_id=requester_id or f"victim-{case_id[:8]}",
        relationship="victim", cdcr_number=cdcr_number, preferred_language=language,
        preferred_channel="email", source="webhook", logistics=logistics,
        received_at=pacific(2026, 3, 1))


def eligible(case_id: str, facility_code: str = "SQ", cdcr_number: str = "AB1234",
             at: datetime | None = None) -> EligibilityDetermined:
    return EligibilityDetermined(case_id=case_id, outcome="eligible", reason="in_state_prison",
                                 cdcr_number=cdcr_number, facility_code=facility_code,
                                 decided_at=at or pacific(2026, 3, 1, 10))


def approved(case_id: str) -> ScreeningCompleted:
    return ScreeningCompleted(case_id=case_id, outcome="approved", decided_by="screener",
                              decided_at=pacific(2026, 3, 1, 11))


def cleared(case_id: str, visitor_id: str, role: VisitorRole, expires_on: date,
            facility_code: str = "SQ") -> ClearanceGranted:
    return ClearanceGranted(case_id=case_id, clearance_id=str(uuid.uuid4()), visitor_id=visitor_id,
                            visitor_role=role, facility_code=facility_code, expires_on=expires_on,
                            decided_at=pacific(2026, 3, 2, 8))


class SchedulingApp:
    """The scheduling app over HTTP and its consumer fed by hand, on a real SQLite store; the
    broker is not started. The clock is the test's."""

    def __init__(self, app, runtime, settings, clock: Clock, staff_file,
                 intake: IntakeSealer = INTAKE) -> None:
        self.app, self.runtime, self.settings, self.clock = app, runtime, settings, clock
        self.staff_file, self.intake = staff_file, intake
        self.keybook = app.state.ctx.keybook
        self.dead: list[tuple[str, str]] = []
        self.consumer = EventConsumer(
            name="scheduling", uow=runtime.uow, handlers=event_handlers(app.state.ctx),
            dead_letters=DeadLetters(self._park, consumer="scheduling"), max_attempts=1,
            not_yet_s=NOT_YET_S)
        self.clients: list[httpx.AsyncClient] = []

    async def _park(self, topic, key, value, headers) -> None:
        self.dead.append((topic, headers["dlq-reason"]))

    async def feed(self, *events: EventData, subject: str | None = None,
                   keys: bool = True) -> list:
        """Hands events to the consumer as if read from their topics; returns the envelopes.
        ``keys``: intake's grant of a request's case key is kept first, as it would have
        come on vod.keys."""
        envelopes = []
        for data in events:
            if keys and isinstance(data, RequestReceived):
                await self.grant(data.case_id)
            source = SOURCES.get(data.event_name, "screening")
            envelope = new_envelope(data, source=f"/services/{source}",
                                    subject=subject or getattr(data, "case_id", None)
                                    or data.cdcr_number)
            await self.redeliver(envelope)
            envelopes.append(envelope)
        return envelopes

    async def grant(self, *subjects: str) -> None:
        """Intake's grants to scheduling of these subjects' keys, kept in the key book as the
        keys consumer would keep them from vod.keys."""
        async with self.runtime.uow() as uow:
            await self.intake.keep_all(self.keybook, uow.session, subjects)
            await uow.commit()

    async def redeliver(self, envelope) -> None:
        record = to_kafka(envelope)
        await self.consumer.consume(Record("vod.test", 0, 0, record.key, record.value))

    async def events(self, *names: str) -> list:
        """What scheduling will publish, in order (only ``names`` if given)."""
        async with self.runtime.engine.connect() as conn:
            rows = (await conn.execute(select(outbox).order_by(outbox.c.seq))).all()
        found = [from_kafka(row.value) for row in rows]
        return [e.data for e in found if not names or e.data.event_name in names]

    async def staff(self, *roles: Role, username: str | None = None) -> httpx.AsyncClient:
        """A signed-in staff member's browser."""
        person = add_staff(self.staff_file, username or f"staff{uuid.uuid4().hex[:8]}", *roles)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app),
                                   base_url="http://scheduling")
        await sign_in(client, person)
        client.username = person.username
        self.clients.append(client)
        return client

    async def close(self) -> None:
        for client in self.clients:
            await client.aclose()
        await self.runtime.engine.dispose()


def sqlite_settings(tmp_path, keys_dir: Path = TEST_KEYS.path, **extra) -> Settings:
    return Settings(SCHEDULING_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/scheduling.db",
                    KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1", VOD_DATA_DIR=str(tmp_path),
                    VOD_STAFF_FILE=str(tmp_path / "staff.toml"),
                    STAFF_SESSION_SECRET="scheduling-tests-staff-session-secret-0123456789",
                    VOD_KEYS_DIR=str(keys_dir), **extra)


async def start_app(tmp_path, clock: Clock, *, keys_dir: Path = TEST_KEYS.path,
                    intake: IntakeSealer = INTAKE) -> SchedulingApp:
    settings = sqlite_settings(tmp_path, keys_dir)
    runtime, app = bootstrap(settings, clock=clock)
    await migrated(runtime.engine, MIGRATIONS)  # a copy of a store migrated once
    return SchedulingApp(app, runtime, settings, clock, tmp_path / "staff.toml", intake)


@pytest.fixture
def clock() -> Clock:
    return Clock(pacific(2026, 3, 2, 8))


@pytest.fixture
async def scheduling(tmp_path, clock) -> SchedulingApp:
    app = await start_app(tmp_path, clock)
    yield app
    await app.close()
