"""A rebuild of screening's read models against its store, on SQLite and on PostgreSQL, with the
topics played by a list of records: the lines a case had live, and only those (a custody change
on the cases open when screening applied it; an event it never applied left out; its own
decisions from its own topic), swapped in over damaged tables, which keep their constraints and
sequence; the fresh copies are gone afterwards."""
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared import events as e
from vod_shared.db import create_engine, inbox
from vod_shared.envelope import new_envelope, to_kafka
from vod_shared.migrations import upgrade_to_head
from vod_shared.audit_log import signed_entry
from vod_shared.rebuild import Rebuild
from vod_shared.sealing import KeyDirectory

from screening.adapters.orm import audit_everywhere, case_timeline, case_visitors, cases
from screening.adapters.read_model import Timeline, TimelineEntry
from screening.bootstrap import MIGRATIONS
from screening.config import Settings
from screening.service_layer.rebuilding import ScreeningReadModels

pytestmark = pytest.mark.integration
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
CDCR = "RS4411"


@dataclass
class Record:
    topic: str
    value: bytes
    timestamp: int


class Topics:
    """The broker, as the rebuild reads it: one batch per read."""

    def __init__(self, *batches) -> None:
        self.batches, self.committed = list(batches), False

    async def start(self) -> None: ...

    async def read_to_end(self) -> list:
        return self.batches.pop(0)

    async def commit(self) -> None:
        self.committed = True

    async def stop(self) -> None: ...


class WhileTheServiceRuns(ScreeningReadModels):
    """Screening's read models, while the live service applies an event (``meanwhile``) once the rebuild has begun."""

    def __init__(self, topics, meanwhile) -> None:
        super().__init__(topics, keyring=KEYS.keyring("screening"))
        self._meanwhile = meanwhile

    async def apply(self, fact, session, live) -> None:
        if self._meanwhile:
            meanwhile, self._meanwhile = self._meanwhile, None
            await meanwhile()
        await super().apply(fact, session, live)


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _keys() -> KeyDirectory:
    keys = KeyDirectory(Path(tempfile.mkdtemp(prefix="screening-rebuild-keys-")))
    keys.init()
    return keys


KEYS = _keys()


def _event(data, topic: str, source: str, subject: str, minutes: int,
           event_id: str | None = None):
    envelope = new_envelope(data, source=f"/services/{source}", subject=subject, time=_at(minutes),
                            event_id=event_id)
    return envelope, Record(topic, to_kafka(envelope).value, int(_at(minutes).timestamp() * 1000))


def _request(case_id: str, minutes: int):
    return _event(e.RequestReceived(
        case_id=case_id, reference=f"VOD-{case_id}", requester_id=f"victim-{case_id}",
        relationship="victim", cdcr_number=CDCR, preferred_language="en",
        preferred_channel="email", source="webhook", received_at=_at(minutes)),
        "p.vod.intake", "intake", case_id, minutes)


async def test_the_timeline_is_rebuilt_as_screening_applied_the_events(database_url_factory):
    url = database_url_factory("screening")
    engine = create_engine(url)
    await upgrade_to_head(engine, MIGRATIONS)
    settings = Settings(SCREENING_DATABASE_URL=url, VOD_TOPIC_PREFIX="p.")
    # A and B opened at 0; B withdrawn at 2; the transfer applied at 3; C opened at 5.
    request_a, request_b, request_c = _request("A", 0), _request("B", 0), _request("C", 5)
    withdrawn = _event(e.CaseWithdrawn(case_id="B", by="victim", at=_at(2)), "p.vod.intake",
                       "intake", "B", 2)
    transfer = _event(e.CustodyStatusChanged(
        change_id="ch-1", cdcr_number=CDCR, change="transfer", status="in_prison",
        facility_code="CMC", previous_facility_code="SQ", effective_at=_at(3)),
        "p.vod.custody", "screening", CDCR, 3)
    decided = _event(e.EligibilityDetermined(
        case_id="A", outcome="eligible", reason="in_state_prison", cdcr_number=CDCR,
        facility_code="SQ", decided_at=_at(0)), "p.vod.screening", "screening", "A", 0)
    never_applied = _event(e.RequestRepeated(case_id="A", requester_id="victim-A", source="web_form",
                                              at=_at(4)),
                           "p.vod.intake", "intake", "A", 4)  # dead-lettered live
    forged = _event(e.CasePaused(case_id="A", by="victim", at=_at(4)), "p.vod.intake",
                    "scheduling", "A", 4)
    late = _event(e.CasePaused(case_id="A", by="victim", at=_at(6)), "p.vod.intake", "intake",
                  "A", 6)  # applied live while the rebuild reads
    audited, audit_refused = (_event(signed_entry(e.AuditRecorded(
        service=service, entry_seq=seq, at=_at(1), staff="ana", action="facility.put",
        outcome="done", client="10.0.0.1", method="PUT", path="/api/facilities/sq"),
        KEYS.keyring(source).signing), "p.vod.audit", source, "scheduling", 1)
        for service, seq, source in (("scheduling", 7, "scheduling"), ("scheduling", 8, "intake")))
    # anyone may write vod.audit: an entry in scheduling's name, not signed by it, under the id of
    # an event screening applied (dropped live as seen; the inbox knows ids, not topics)
    forged_audit = _event(signed_entry(e.AuditRecorded(
        service="scheduling", entry_seq=9, at=_at(1), staff="mallory", action="contact.read",
        outcome="done", client="10.0.0.9", method="GET", path="/staff/cases/A"),
        KEYS.keyring("notifications").signing), "p.vod.audit", "scheduling", "scheduling", 1,
        event_id=request_a[0].id)

    async with engine.begin() as conn:
        for case_id, opened, ended in (("A", 0, None), ("B", 0, 2), ("C", 5, None)):
            await conn.execute(insert(cases).values(
                case_id=case_id, cdcr_number=CDCR, opened_at=_at(opened), reference=f"VOD-{case_id}",
                requester_id=f"victim-{case_id}", status="withdrawn" if ended else "open",
                ended_at=_at(ended) if ended else None))
        for (envelope, _), minutes in ((request_a, 0), (request_b, 0), (withdrawn, 2),
                                       (transfer, 3), (request_c, 5), (forged, 4),
                                       (audited, 1)):
            await conn.execute(insert(inbox).values(
                consumer="screening", event_id=envelope.id, event_type=envelope.type,
                processed_at=_at(minutes)))
        await conn.execute(insert(case_timeline).values(  # damage: a line no event made
            case_id="A", event_id="junk", event_type="x", source="x", occurred_at=_at(9),
            summary="wrong"))

    async def live_applies_the_late_one() -> None:
        async with engine.begin() as conn:
            await conn.execute(insert(inbox).values(
                consumer="screening", event_id=late[0].id, event_type=late[0].type,
                processed_at=_at(6)))

    first = [r for _, r in (request_a, request_b, decided, withdrawn, transfer, never_applied,
                            forged, late, request_c, audited, audit_refused, forged_audit)]
    topics = Topics(first, [])
    projection = WhileTheServiceRuns(settings.topics, live_applies_the_late_one)
    report = await Rebuild(settings, projection, projection.topics, reader=topics).run()

    async with engine.connect() as conn:
        lines = {(r.case_id, r.event_id) for r in await conn.execute(select(case_timeline))}
        visitors = {(r.case_id, r.visitor_id, r.since.replace(tzinfo=None))
                    for r in await conn.execute(select(case_visitors))}
    ids = lambda *events: {event[0].id for event in events}  # noqa: E731
    assert lines == {("A", i) for i in ids(request_a, transfer, decided, late)} | \
        {("B", i) for i in ids(request_b, withdrawn)} | {("C", i) for i in ids(request_c)}
    assert visitors == {(c, f"victim-{c}", _at(m).replace(tzinfo=None))
                        for c, m in (("A", 0), ("B", 0), ("C", 5))}
    async with engine.connect() as conn:
        kept = [(r.service, r.entry_seq, r.action) for r in await conn.execute(
            select(audit_everywhere))]
    # every service's audit entries: the one applied live (the other was refused live), not
    # the one not signed by its service, though an event with its id was applied live
    assert kept == [("scheduling", 7, "facility.put")]
    assert report.rows == {"case_timeline": 7, "case_visitors": 3, "audit_everywhere": 1}
    assert topics.committed
    assert report.unreadable == 1 and report.not_applied_live == 2

    async with AsyncSession(engine) as session:  # the live table as the migrations made it
        timeline = Timeline(session)
        await timeline.add(TimelineEntry("A", request_a[0].id, "x", "x", _at(8), "again"))
        await timeline.add(TimelineEntry("A", "next", "x", "x", _at(8), "a new line"))
        await session.commit()
        assert [entry.summary for entry in await timeline.of_case("A")][-1] == "a new line"
    async with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            assert not (await conn.execute(text(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rebuild_%'"))).all()
    await engine.dispose()
    if engine.dialect.name == "sqlite":
        database = url.split("///", 1)[1]
        assert not list(Path(database).parent.glob("*.rebuild-*"))


async def test_support_persons_and_letters_come_back_as_they_were_followed(database_url_factory):
    """What screening follows live of a support person and a letter is rebuilt too: their
    lines on the timeline, and a support person removed is no visitor of the case any more."""
    url = database_url_factory("screening")
    engine = create_engine(url)
    await upgrade_to_head(engine, MIGRATIONS)
    settings = Settings(SCREENING_DATABASE_URL=url, VOD_TOPIC_PREFIX="p.")
    request = _request("A", 0)
    added, gone = (_event(e.SupportPersonAdded(case_id="A", support_person_id=person, at=_at(1)),
                          "p.vod.intake", "intake", "A", 1) for person in ("sp-kept", "sp-gone"))
    asked = _event(e.ClearanceRequested(case_id="A", facility_code="SQ", victim_id="victim-A",
                                        support_person_ids=["sp-kept", "sp-gone"],
                                        reason="dialogue_scheduled", at=_at(2)),
                   "p.vod.scheduling", "scheduling", "A", 2)
    removed = _event(e.SupportPersonRemoved(case_id="A", support_person_id="sp-gone", at=_at(3)),
                     "p.vod.intake", "intake", "A", 3)
    letter = _event(e.LetterReceived(case_id="A", letter_id="l-1", received_on=_at(4).date(),
                                     at=_at(4)), "p.vod.scheduling", "scheduling", "A", 4)
    followed = (request, added, gone, asked, removed, letter)
    async with engine.begin() as conn:
        await conn.execute(insert(cases).values(
            case_id="A", cdcr_number=CDCR, opened_at=_at(0), reference="VOD-A",
            requester_id="victim-A", status="open", ended_at=None))
        for envelope, _ in followed:
            await conn.execute(insert(inbox).values(
                consumer="screening", event_id=envelope.id, event_type=envelope.type,
                processed_at=_at(5)))

    projection = ScreeningReadModels(settings.topics, keyring=KEYS.keyring("screening"))
    await Rebuild(settings, projection, projection.topics,
                  reader=Topics([r for _, r in followed], [])).run()

    async with engine.connect() as conn:
        lines = {r.event_id for r in await conn.execute(select(case_timeline))}
        visitors = {(r.visitor_id, r.role) for r in await conn.execute(select(case_visitors))}
    assert lines == {envelope.id for envelope, _ in followed}
    assert visitors == {("victim-A", "victim"), ("sp-kept", "support_person")}
    await engine.dispose()
