"""Records applied a batch at a time, against a real SQLite store (the broker faked): one bad
record in a batch of 100 changes nothing for the other 99."""
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.exc import OperationalError

from vod_shared.consumer import DeadLetters, EventConsumer, NotYet, Ramp, Record
from vod_shared.db import outbox, session_factory
from vod_shared.envelope import new_envelope, to_kafka
from vod_shared.events import CaseClosed
from vod_shared.metrics import ServiceMetrics
from vod_shared.unit_of_work import SqlUnitOfWork

state = MetaData()
# what the handler did, in the order it did it
applied = Table("applied", state, Column("seq", Integer, primary_key=True, autoincrement=True),
                Column("case_id", String, nullable=False), Column("event_id", String, nullable=False))
TYPE = CaseClosed.type_name()


class DeadLetterTopic:
    def __init__(self) -> None:
        self.parked: list[tuple[str, bytes, dict]] = []

    async def publish(self, topic, _key, value, headers):
        self.parked.append((topic, value, headers))


@pytest.fixture
async def sessions(engine):
    async with engine.begin() as conn:
        await conn.run_sync(state.create_all)
    return session_factory(engine)


def _batch(count: int, cases: int) -> tuple[list[Record], list[str]]:
    """``count`` records about ``cases`` cases, interleaved, on one partition."""
    case_ids = [str(uuid.uuid4()) for _ in range(cases)]
    records, event_ids = [], []
    for offset in range(count):
        case_id = case_ids[offset % cases]
        envelope = new_envelope(CaseClosed(case_id=case_id, reason="completed",
                                           at=datetime.now(timezone.utc)),
                                source="/services/test", subject=case_id)
        records.append(Record("vod.test", 0, offset, case_id.encode(), to_kafka(envelope).value))
        event_ids.append(envelope.id)
    return records, event_ids


def _consumer(sessions, handler, dead: DeadLetterTopic, metrics=None) -> EventConsumer:
    return EventConsumer(
        name="test", uow=lambda: SqlUnitOfWork(sessions, source="/services/test"),
        handlers={CaseClosed: handler}, dead_letters=DeadLetters(dead.publish, consumer="test"),
        max_attempts=3, backoff_s=0, not_yet_s=5, metrics=metrics)


async def _record_and_announce(envelope, uow):
    await uow.session.execute(insert(applied).values(case_id=envelope.subject,
                                                     event_id=envelope.id))
    await uow.emit(envelope.data, topic="vod.test.out", subject=envelope.subject)


async def _applied(sessions) -> list[tuple[str, str]]:
    async with sessions() as session:
        return [tuple(row) for row in await session.execute(
            select(applied.c.case_id, applied.c.event_id).order_by(applied.c.seq))]


async def _announced(sessions) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(outbox))


def _in_order_per_case(rows, records, event_ids, leaving_out=()) -> bool:
    expected = [(r.key.decode(), e) for r, e in zip(records, event_ids) if e not in leaving_out]
    by_case = lambda pairs, case: [e for c, e in pairs if c == case]  # noqa: E731
    return all(by_case(rows, case) == by_case(expected, case) for case, _ in expected)


async def test_a_poison_record_in_a_batch_of_100_is_parked_and_the_other_99_applied_once(
        sessions):
    records, event_ids = _batch(100, cases=7)
    poison = event_ids[37]

    async def handler(envelope, uow):
        if envelope.id == poison:
            raise RuntimeError("cannot apply")
        await _record_and_announce(envelope, uow)

    dead, metrics = DeadLetterTopic(), ServiceMetrics()
    consumer = _consumer(sessions, handler, dead, metrics)
    await consumer.consume_batch(records)

    rows = await _applied(sessions)
    assert sorted(e for _, e in rows) == sorted(e for e in event_ids if e != poison)
    assert _in_order_per_case(rows, records, event_ids, leaving_out={poison})
    assert await _announced(sessions) == 99  # the rolled-back attempts left nothing behind
    [(topic, value, headers)] = dead.parked
    assert topic == "vod.test.dlq" and value == records[37].value
    assert headers["dlq-original-offset"] == "37"
    assert "failed after 3 attempts: RuntimeError" in headers["dlq-reason"]
    assert metrics.events_handled.value(TYPE, "applied") == 99
    assert metrics.events_handled.value(TYPE, "dead_lettered") == 1

    await consumer.consume_batch(records)  # redelivered after a crash: nothing twice
    assert await _applied(sessions) == rows
    assert metrics.events_handled.value(TYPE, "duplicate") == 99


async def test_a_record_waiting_for_its_key_holds_back_those_after_it_not_those_before(
        sessions):
    records, event_ids = _batch(100, cases=5)
    waiting, order = event_ids[60], []

    async def handler(envelope, uow):
        if envelope.id == waiting and order.count(waiting) < 2:
            order.append(waiting)
            raise NotYet("her key has not come")
        await _record_and_announce(envelope, uow)

    dead = DeadLetterTopic()
    await _consumer(sessions, handler, dead).consume_batch(records)
    rows = await _applied(sessions)
    assert [e for _, e in rows] == event_ids  # every one, in the order they came
    assert dead.parked == []


async def test_the_store_away_mid_batch_is_waited_for_and_nothing_is_parked(sessions):
    records, event_ids = _batch(100, cases=3)
    failures = [OperationalError("INSERT", {}, Exception("database is locked"))]

    async def handler(envelope, uow):
        if envelope.id == event_ids[10] and failures:
            raise failures.pop()
        await _record_and_announce(envelope, uow)

    dead = DeadLetterTopic()
    await _consumer(sessions, handler, dead).consume_batch(records)
    assert [e for _, e in await _applied(sessions)] == event_ids
    assert await _announced(sessions) == 100 and dead.parked == []


async def test_the_same_event_twice_in_one_batch_is_applied_once(sessions):
    records, event_ids = _batch(10, cases=2)
    again = Record("vod.test", 0, 10, records[3].key, records[3].value)
    dead = DeadLetterTopic()
    await _consumer(sessions, _record_and_announce, dead).consume_batch([*records, again])
    assert [e for _, e in await _applied(sessions)] == event_ids


async def test_the_first_record_after_a_quiet_spell_is_committed_before_the_rest_are_applied(
        sessions):
    """An escape first in a burst of 100 must not wait for the 99 behind it: when the second
    record is handled, the first is already in the store (another session sees it)."""
    records, event_ids = _batch(100, cases=100)
    seen_by_second = []

    async def handler(envelope, uow):
        if envelope.id == event_ids[1]:
            seen_by_second.extend(e for _, e in await _applied(sessions))
        await _record_and_announce(envelope, uow)

    dead = DeadLetterTopic()
    await _consumer(sessions, handler, dead).consume_batch(records)
    assert seen_by_second == event_ids[:1]
    assert [e for _, e in await _applied(sessions)] == event_ids
    assert await _announced(sessions) == 100


def test_transactions_ramp_up_after_a_quiet_spell_and_stay_large_while_busy():
    now = [0.0]
    ramp = Ramp(quiet_s=1.0, clock=lambda: now[0])
    sizes = lambda items: [len(chunk) for chunk in ramp.chunks(items)]  # noqa: E731
    assert sizes(list(range(100))) == [1, 2, 4, 8, 16, 32, 37]
    now[0] += 0.05  # the next batch right behind it: whole
    assert sizes(list(range(100))) == [100]
    assert sizes([]) == []
    now[0] += 1.5  # quiet: small again, in order, nothing left out
    chunks = list(ramp.chunks(list(range(10))))
    assert chunks == [[0], [1, 2], [3, 4, 5, 6], [7, 8, 9]]
    now[0] += 0.5  # a trickle keeps it growing
    assert sizes(list(range(20))) == [16, 4]


@pytest.mark.integration
async def test_a_batch_holds_every_subject_it_touches_and_no_other(postgres_server):
    """PostgreSQL, two copies of a service: a batch about cases 1 and 2 makes a copy handling
    case 2 wait for its commit, and one handling case 3 not."""
    import asyncio

    from vod_shared.db import create_engine, messaging_metadata

    engine = create_engine(postgres_server.create_database(f"batch_{uuid.uuid4().hex[:8]}"))
    async with engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
        await conn.run_sync(state.create_all)
    sessions = session_factory(engine)
    order: list[str] = []
    batch_holds = asyncio.Event()

    async def batch() -> None:
        async with SqlUnitOfWork(sessions, source="/s") as uow:
            await uow.serialize_on_all(["case-2", None, "case-1", "case-2"])
            batch_holds.set()
            await asyncio.sleep(0.5)
            await uow.session.execute(insert(applied).values(case_id="case-2", event_id="e"))
            order.append("batch committed")
            await uow.commit()

    async def other(subject: str) -> int:
        await batch_holds.wait()
        async with SqlUnitOfWork(sessions, source="/s") as uow:
            await uow.serialize_on_all([subject])
            order.append(f"other on {subject}")
            return await uow.session.scalar(select(func.count()).select_from(applied))

    try:
        _, seen_unrelated, seen_same = await asyncio.gather(batch(), other("case-3"),
                                                            other("case-2"))
    finally:
        await engine.dispose()
    assert order.index("other on case-3") < order.index("batch committed")  # no wait
    assert order.index("batch committed") < order.index("other on case-2")
    assert (seen_unrelated, seen_same) == (0, 1)


async def test_other_tasks_get_their_turn_while_a_long_batch_is_applied(sessions, loop_turns):
    """A batch's handlers run on the service's one event loop; on SQLite their statements do
    not wait for anything, so without a turn given back the relay's acknowledgements and the
    webhooks' answers waited for the whole batch (some hundreds of milliseconds: the first
    escape text of a burst came a second late). Each handler here takes 15 ms; another task
    runs between them, and the batch is still one transaction applied in order."""
    handling_s = [0.0]

    async def slow(envelope, uow):
        loop_turns.busy(handling_s[0])
        await _record_and_announce(envelope, uow)

    consumer = _consumer(sessions, slow, DeadLetterTopic())
    await consumer.consume_batch(_batch(40, cases=4)[0])  # busy now: whole batches, not 1, 2, 4...
    records, event_ids = _batch(20, cases=4)
    handling_s[0] = 0.015

    during = await loop_turns.of_another_task(consumer.consume_batch(records))

    assert during >= 19
    rows = (await _applied(sessions))[40:]
    assert len(rows) == 20 and _in_order_per_case(rows, records, event_ids)
    assert await _announced(sessions) == 60
