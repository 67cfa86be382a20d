"""A rebuild of notifications' facts against its store, on SQLite and on PostgreSQL, with the
topics played by a list of records: a withdrawal read before its request waits for it; an
erased person's contact, case and registrations go, and her later details are not kept; a
cancelled registration stays cancelled; a case screening ended is closed. No delivery is
planned: the deliveries table is left as it was."""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared import events as e
from vod_shared.db import create_engine, inbox
from vod_shared.envelope import new_envelope, to_kafka
from vod_shared.migrations import upgrade_to_head
from vod_shared.rebuild import Rebuild

from notifications.adapters.orm import (
    cases,
    contacts,
    deliveries,
    erased_people,
    registrations,
    support_persons,
)
from notifications.adapters.repository import Cases
from notifications.bootstrap import MIGRATIONS
from notifications.config import Settings
from notifications.domain.model import Case
from notifications.service_layer.rebuilding import NotificationFacts

pytestmark = pytest.mark.integration
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
SEALED = e.SealedDetails(ciphertext="c2VhbGVk", sealed_by="intake", key_id="k1",
                         purpose="contact", signature="c2ln")


@dataclass
class Record:
    topic: str
    value: bytes
    timestamp: int


class Topics:
    def __init__(self, *batches) -> None:
        self.batches = list(batches)

    async def start(self) -> None: ...

    async def read_to_end(self) -> list:
        return self.batches.pop(0)

    async def commit(self) -> None: ...

    async def stop(self) -> None: ...


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _event(data, topic: str, subject: str, minutes: int, source: str = "intake"):
    envelope = new_envelope(data, source=f"/services/{source}", subject=subject,
                            time=_at(minutes))
    return envelope, Record(f"p.vod.{topic}", to_kafka(envelope).value,
                            int(_at(minutes).timestamp() * 1000))


def _request(case_id: str, requester_id: str, minutes: int):
    return _event(e.RequestReceived(
        case_id=case_id, reference=f"VOD-{case_id}", requester_id=requester_id,
        relationship="victim", cdcr_number="RN2200", preferred_language="es",
        preferred_channel="sms", source="webhook", received_at=_at(minutes)),
        "intake", case_id, minutes)


def _registration(kind, minutes: int, **fields):
    return _event(kind(registration_id="R", registrant_id="W", at=_at(minutes), **fields),
                  "intake", "R", minutes)


async def test_facts_are_rebuilt_without_planning_anything(database_url_factory):
    url = database_url_factory("notifications")
    engine = create_engine(url)
    await upgrade_to_head(engine, MIGRATIONS)
    settings = Settings(NOTIFICATIONS_DATABASE_URL=url, VOD_TOPIC_PREFIX="p.")
    events = [
        _event(e.CaseWithdrawn(case_id="N", by="victim", at=_at(1)), "intake", "N", 1),
        _request("N", "victim-N", 2),
        _request("K", "victim-K", 2),
        _event(e.EligibilityDetermined(case_id="K", outcome="ineligible", reason="county_jail",
                                       cdcr_number="RN2200", decided_at=_at(3), ends_case=True),
               "screening", "K", 3, source="screening"),
        _request("M", "P", 3),
        _event(e.PersonRegistered(person_id="P", sealed=SEALED, at=_at(3)), "people", "P", 3),
        _event(e.PersonRegistered(person_id="W", sealed=SEALED, at=_at(3)), "people", "W", 3),
        _event(e.PersonErased(person_id="P", at=_at(4)), "people", "P", 4),
        _event(e.PersonUpdated(person_id="P", sealed=SEALED, at=_at(5)), "people", "P", 5),
        _event(e.RegistrationReceived(
            registration_id="R", registrant_id="W", relationship="witness",
            cdcr_number="rn2200", notify_on=["release", "escape"], preferred_language="en",
            preferred_channel="email", received_at=_at(1)), "intake", "R", 1),
        _registration(e.RegistrationCancelled, 6),
        _registration(e.RegistrationChanged, 7, notify_on=["death"]),
        _event(e.CustodyStatusChanged(
            change_id="ch-1", cdcr_number="RN2200", change="release", status="on_parole",
            effective_at=_at(8)), "custody", "RN2200", 8, source="screening"),
        _event(e.SupportPersonAdded(case_id="K", support_person_id="S1", at=_at(9),
                                    preferred_language="es", preferred_channel="sms"),
               "intake", "K", 9),
        _event(e.SupportPersonAdded(case_id="K", support_person_id="S2", at=_at(9)),
               "intake", "K", 9),
        _event(e.SupportPersonRemoved(case_id="K", support_person_id="S2", at=_at(10)),
               "intake", "K", 10),
    ]
    async with engine.begin() as conn:
        for minutes, (envelope, _) in enumerate(events):
            await conn.execute(insert(inbox).values(
                consumer="notifications", event_id=envelope.id, event_type=envelope.type,
                processed_at=_at(minutes)))
    async with AsyncSession(engine) as session:  # damage: a case no event opened
        await Cases(session).add(Case("junk", "VOD-junk", "x", "RN2200", e.Language.EN,
                                      e.Channel.EMAIL))
        await session.commit()

    projection = NotificationFacts(settings.topics)
    report = await Rebuild(settings, projection, projection.topics,
                           reader=Topics([r for _, r in events], [])).run()

    async with engine.connect() as conn:
        states = {r.case_id: r.state for r in await conn.execute(select(cases))}
        kept = {r.person_id for r in await conn.execute(select(contacts))}
        erased = {r.person_id for r in await conn.execute(select(erased_people))}
        [registration] = (await conn.execute(select(registrations))).all()
        planned = (await conn.execute(select(deliveries))).all()
        supporters = {(r.person_id, r.language, r.channel, r.removed_at is None)
                      for r in await conn.execute(select(support_persons))}
    await engine.dispose()
    assert states == {"N": "withdrawn", "K": "closed"}  # M went with its requester
    assert kept == {"W"} and erased == {"P"}
    assert (registration.cdcr_number, registration.notify_on) == ("RN2200", "escape,release")
    assert registration.cancelled_at is not None
    assert planned == []
    assert supporters == {("S1", "es", "sms", True), ("S2", "en", "email", False)}
    assert report.rows["custody_changes"] == 1 and report.applied == len(events)
