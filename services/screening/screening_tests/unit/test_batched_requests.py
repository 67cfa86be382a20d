"""A batch of requests (read ahead together, their writes kept back and written together) leaves
the store exactly as the same events applied one at a time do, including those that read what
an earlier one in the batch wrote, and a poison one in the middle is parked alone."""
import uuid
from datetime import datetime, timezone

from sqlalchemy import text

from vod_shared import events as e
from vod_shared.consumer import DeadLetters, EventConsumer, Record
from vod_shared.envelope import new_envelope, to_kafka
from vod_shared.migrations import upgrade_to_head

from screening.bootstrap import MIGRATIONS, bootstrap, event_handlers

from ..conftest import Clock, new_cdcr_number, request_for, sqlite_settings

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=timezone.utc)


def envelopes() -> list:
    """Requests, one of them announced twice and one delivered twice, a possible duplicate
    naming a case whose request comes later in the batch, and a withdrawal of a case the
    batch itself opened."""
    offender = new_cdcr_number()
    first, second, third = (request_for(offender) for _ in range(3))
    later = [request_for(new_cdcr_number()) for _ in range(5)]
    duplicate = e.PossibleDuplicateFound(case_id=third.case_id, other_case_id=first.case_id,
                                         overlaps=[e.DuplicateOverlap.SAME_EMAIL], at=NOW)
    events = [first, second, duplicate, third, first, *later,
              e.CaseWithdrawn(case_id=second.case_id, by=e.ActedBy.VICTIM, at=NOW)]
    made = [new_envelope(data, source="/services/intake", subject=data.case_id, time=NOW)
            for data in events]
    return [*made[:5], made[0], *made[5:]]  # the first request delivered twice as well


async def store_after(tmp_path, events, *, batch: int, poison: str | None = None) -> dict:
    settings = sqlite_settings(tmp_path)
    clock = Clock()
    clock.set(NOW)
    runtime, _app = bootstrap(settings, clock=clock)
    await upgrade_to_head(runtime.engine, MIGRATIONS)
    async with runtime.engine.begin() as conn:  # the registry knows the first offender
        await conn.execute(text(
            "INSERT INTO custody_records (cdcr_number, status, facility_code, updated_at) "
            "VALUES (:cdcr, 'in_prison', 'SQ', :now)"), {"cdcr": events[0].data.cdcr_number,
                                                         "now": NOW})
    parked = []

    async def publish(topic, key, value, headers):
        parked.append(key.decode())

    handlers = event_handlers(settings.topics, clock, _app.state.names)
    if poison:
        decide = handlers[e.RequestReceived]

        async def poisoned(envelope, uow):
            if envelope.subject == poison:
                raise ValueError("a record no retry can fix")
            await decide(envelope, uow)
        handlers[e.RequestReceived] = poisoned
    consumer = EventConsumer(name="screening", uow=runtime.uow, handlers=handlers,
                             dead_letters=DeadLetters(publish, consumer="screening"),
                             max_attempts=1, backoff_s=0)
    records = [Record(settings.topics.intake, 0, offset, *_kafka(envelope))
               for offset, envelope in enumerate(events)]
    for start in range(0, len(records), batch):
        await consumer.consume_batch(records[start:start + batch])
    async with runtime.engine.connect() as conn:
        async def rows(sql: str) -> list:
            return [tuple(row) for row in (await conn.execute(text(sql))).all()]
        store = {
            "cases": await rows("SELECT case_id, cdcr_number, outcome, reason, status, "
                                "requester_id FROM cases ORDER BY case_id"),
            "timeline": await rows("SELECT case_id, event_type, summary, code FROM case_timeline"
                                   " ORDER BY seq"),
            "visitors": await rows("SELECT case_id, visitor_id, role FROM case_visitors "
                                   "ORDER BY case_id, visitor_id"),
            "duplicates": await rows("SELECT case_id, other_case_id FROM possible_duplicates"),
            "outbox": await rows("SELECT key, event_type FROM outbox ORDER BY seq"),
            "parked": parked,
        }
    await runtime.engine.dispose()
    return store


def _kafka(envelope) -> tuple[bytes, bytes]:
    record = to_kafka(envelope)
    return record.key, record.value


async def test_a_batch_leaves_the_store_as_one_at_a_time_does(tmp_path):
    events = envelopes()
    (tmp_path / "one").mkdir()
    (tmp_path / "batch").mkdir()
    one_at_a_time = await store_after(tmp_path / "one", events, batch=1)
    batched = await store_after(tmp_path / "batch", events, batch=100)

    assert batched == one_at_a_time
    first, second, _duplicate, third = (envelope.subject for envelope in events[:4])
    decided = [key for key, kind in batched["outbox"] if kind == "vod.EligibilityDetermined.v1"]
    assert sorted(decided) == sorted({envelope.subject for envelope in events[:11]
                                      if envelope.type == "vod.RequestReceived.v1"})
    assert len(batched["cases"]) == 8  # the first case once, though announced and delivered again
    known = events[0].data.cdcr_number
    outcomes = {cdcr == known: outcome for _id, cdcr, outcome, *_ in batched["cases"]}
    assert outcomes[True] != outcomes[False]  # decided from the registry's record
    assert [status for case_id, *_, status, _ in batched["cases"] if case_id == second] == \
        ["withdrawn"]
    third_line = [summary for case_id, kind, summary, _ in batched["timeline"]
                  if case_id == first and kind == "vod.PossibleDuplicateFound.v1"]
    assert third_line and "VOD-2026-000001" in third_line[0]  # rewritten once its request came


async def test_a_poison_request_in_a_batch_is_parked_and_the_others_applied(tmp_path):
    events = envelopes()
    poison = events[7].subject  # one of the later requests
    store = await store_after(tmp_path, events, batch=100, poison=poison)
    assert store["parked"] == [poison]
    cases = {case_id for case_id, *_ in store["cases"]}
    assert poison not in cases and len(cases) == 7
