"""The outbox and the inbox against a real SQLite store, with the broker faked."""
import asyncio
import contextlib
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, MetaData, String, Table, func, insert, select, text

from vod_shared.consumer import DeadLetters, EventConsumer, Record, Unprocessable
from vod_shared.db import create_engine, messaging_metadata, outbox, session_factory
from vod_shared.envelope import from_kafka, new_envelope, to_kafka
from vod_shared.events import CaseClosed, CasePaused, CaseWithdrawn
from vod_shared.events.case import WITHDRAWAL_PENDING
from vod_shared.outbox import OutboxRelay
from vod_shared.topics import Topics
from vod_shared.unit_of_work import SqlUnitOfWork

state = MetaData()
applied = Table("applied", state, Column("case_id", String, primary_key=False))


class FakeBroker:
    def __init__(self, fail_times: int = 0) -> None:
        self.sent: list[tuple[str, bytes, bytes, dict]] = []
        self.fail_times = fail_times

    async def publish(self, topic, key, value, headers):
        if self.fail_times:
            self.fail_times -= 1
            raise ConnectionError("broker down")
        self.sent.append((topic, key, value, headers))


@pytest.fixture
async def sessions(engine):
    async with engine.begin() as conn:
        await conn.run_sync(state.create_all)
    return session_factory(engine)


def _closed(case_id: str) -> CaseClosed:
    return CaseClosed(case_id=case_id, reason="completed", at=datetime.now(timezone.utc))


async def _emit(sessions, *case_ids: str) -> None:
    async with SqlUnitOfWork(sessions, source="/services/test") as uow:
        for case_id in case_ids:
            await uow.emit(_closed(case_id), topic="vod.test", subject=case_id)
        await uow.commit()


async def test_relay_publishes_in_order_and_marks_sent_after_ack(engine, sessions):
    await _emit(sessions, "a", "b", "a")
    broker = FakeBroker()
    relay = OutboxRelay(engine, broker.publish, service="test")
    assert await relay.publish_pending() == 3
    assert [from_kafka(v).subject for _, _, v, _ in broker.sent] == ["a", "b", "a"]
    assert [k for _, k, _, _ in broker.sent] == [b"a", b"b", b"a"]
    assert await relay.pending_count() == 0
    assert await relay.publish_pending() == 0


async def test_rolled_back_work_emits_nothing(engine, sessions):
    async with SqlUnitOfWork(sessions, source="/services/test") as uow:
        await uow.emit(_closed("x"), topic="vod.test", subject="x")
    assert await OutboxRelay(engine, FakeBroker().publish, service="test").pending_count() == 0


async def test_work_left_uncommitted_is_undone_and_frees_the_store(sessions):
    with contextlib.suppress(RuntimeError):
        async with SqlUnitOfWork(sessions, source="/services/test") as uow:
            await uow.session.execute(insert(applied).values(case_id="x"))
            raise RuntimeError("the handler failed")
    async with SqlUnitOfWork(sessions, source="/services/test") as uow:  # not waiting on a lock
        await asyncio.wait_for(uow.session.execute(insert(applied).values(case_id="y")), 2)
        await uow.commit()
    async with sessions() as session:
        assert list((await session.execute(select(applied.c.case_id))).scalars()) == ["y"]


async def test_broker_down_keeps_events_pending_and_in_order(engine, sessions):
    await _emit(sessions, "a", "b")
    broker = FakeBroker(fail_times=1)
    relay = OutboxRelay(engine, broker.publish, service="test")
    with pytest.raises(ConnectionError):
        await relay.publish_pending()
    async with engine.connect() as conn:
        row = (await conn.execute(select(outbox).order_by(outbox.c.seq))).first()
    assert row.last_error == "ConnectionError" and row.published_at is None
    assert await relay.publish_pending() == 2
    assert [from_kafka(v).subject for _, _, v, _ in broker.sent] == ["a", "b"]


def _record(value: bytes, offset: int = 0) -> Record:
    return Record(topic="vod.test", partition=0, offset=offset, key=b"k", value=value)


def _consumer(sessions, handler, dead: FakeBroker, max_attempts=3) -> EventConsumer:
    return EventConsumer(
        name="test", uow=lambda: SqlUnitOfWork(sessions, source="/services/test"),
        handlers={CaseClosed: handler}, dead_letters=DeadLetters(dead.publish, consumer="test"),
        max_attempts=max_attempts, backoff_s=0)


async def _applied_count(sessions) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(applied))


async def _apply(envelope, uow):
    await uow.session.execute(insert(applied).values(case_id=envelope.data.case_id))


async def test_redelivered_event_has_no_second_effect(sessions):
    dead = FakeBroker()
    consumer = _consumer(sessions, _apply, dead)
    value = to_kafka(new_envelope(_closed("c1"), source="/s", subject="c1")).value
    await consumer.consume(_record(value, 0))
    await consumer.consume(_record(value, 0))
    assert await _applied_count(sessions) == 1 and dead.sent == []


async def test_undecodable_record_goes_to_dlq_with_reason_and_consumer_moves_on(sessions):
    dead = FakeBroker()
    consumer = _consumer(sessions, _apply, dead)
    await consumer.consume(_record(b"{not json", 7))
    await consumer.consume(_record(to_kafka(new_envelope(_closed("c2"), source="/s", subject="c2")).value, 8))
    [(topic, key, value, headers)] = dead.sent
    assert topic == "vod.test.dlq" and value == b"{not json" and key == b"k"
    assert headers["dlq-reason"].startswith("undecodable") and headers["dlq-original-offset"] == "7"
    assert await _applied_count(sessions) == 1


async def test_a_handler_that_keeps_failing_is_dead_lettered_after_bounded_retries(sessions):
    calls = []

    async def broken(envelope, uow):
        calls.append(1)
        await _apply(envelope, uow)
        raise RuntimeError("call +16195550100 failed")

    dead = FakeBroker()
    await _consumer(sessions, broken, dead, max_attempts=3).consume(
        _record(to_kafka(new_envelope(_closed("c3"), source="/s", subject="c3")).value))
    assert len(calls) == 3 and await _applied_count(sessions) == 0
    reason = dead.sent[0][3]["dlq-reason"]
    assert "failed after 3 attempts: RuntimeError" in reason and "6195550100" not in reason


async def test_unprocessable_is_dead_lettered_at_once(sessions):
    calls = []

    async def refuses(envelope, uow):
        calls.append(1)
        raise Unprocessable("case unknown")

    dead = FakeBroker()
    await _consumer(sessions, refuses, dead).consume(
        _record(to_kafka(new_envelope(_closed("c4"), source="/s", subject="c4")).value))
    assert len(calls) == 1 and "case unknown" in dead.sent[0][3]["dlq-reason"]


async def test_a_passing_failure_is_retried_and_applied_once(sessions):
    failures = [RuntimeError("db locked")]

    async def flaky(envelope, uow):
        await _apply(envelope, uow)
        if failures:
            raise failures.pop()

    dead = FakeBroker()
    await _consumer(sessions, flaky, dead).consume(
        _record(to_kafka(new_envelope(_closed("c5"), source="/s", subject="c5")).value))
    assert await _applied_count(sessions) == 1 and dead.sent == []


async def test_a_store_that_is_away_is_waited_for_not_dead_lettered(sessions):
    from sqlalchemy.exc import OperationalError

    outages = [OperationalError("SELECT 1", {}, Exception("server closed the connection"))] * 7

    async def during_a_failover(envelope, uow):
        if outages:
            raise outages.pop()
        await _apply(envelope, uow)

    dead = FakeBroker()
    await _consumer(sessions, during_a_failover, dead, max_attempts=3).consume(
        _record(to_kafka(new_envelope(_closed("c6"), source="/s", subject="c6")).value))
    assert await _applied_count(sessions) == 1 and dead.sent == []


async def test_events_this_consumer_does_not_handle_are_skipped_unread(sessions):
    import json

    dead = FakeBroker()
    consumer = _consumer(sessions, _apply, dead)
    other = json.loads(to_kafka(new_envelope(_closed("c7"), source="/s", subject="c7")).value)
    other["type"], other["data"] = "vod.SessionScheduled.v1", {"not": "checked here"}
    newer_unrelated = dict(other, type="vod.SomethingNew.v1")
    await consumer.consume(_record(json.dumps(other).encode()))
    await consumer.consume(_record(json.dumps(newer_unrelated).encode()))
    assert dead.sent == [] and await _applied_count(sessions) == 0


async def test_a_newer_version_of_a_handled_event_is_parked_not_skipped(sessions):
    import json

    dead = FakeBroker()
    newer = json.loads(to_kafka(new_envelope(_closed("c8"), source="/s", subject="c8")).value)
    newer["type"] = "vod.CaseClosed.v2"
    await _consumer(sessions, _apply, dead).consume(_record(json.dumps(newer).encode()))
    [(_, _, _, headers)] = dead.sent
    assert "unknown event version" in headers["dlq-reason"]


@pytest.fixture
async def either_engine(database_url_factory):
    engine = create_engine(database_url_factory("outbox"))
    async with engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.mark.integration
async def test_published_rows_are_deleted_after_the_retention_and_pending_ones_never(
        either_engine):
    engine, sessions = either_engine, session_factory(either_engine)
    await _emit(sessions, "old", "recent")
    relay = OutboxRelay(engine, FakeBroker().publish, service="test", retention=timedelta(days=7))
    assert await relay.publish_pending() == 2
    async with engine.begin() as conn:  # "old" went out ten days ago
        await conn.execute(outbox.update().where(outbox.c.key == "old").values(
            published_at=datetime.now(timezone.utc) - timedelta(days=10)))
    await _emit(sessions, "waiting")  # not published: the broker was not asked yet
    assert await relay.purge_published() == 1
    async with engine.connect() as conn:
        keys = sorted((await conn.execute(select(outbox.c.key))).scalars())
    assert keys == ["recent", "waiting"]


async def test_an_event_not_from_its_topics_owner_is_dead_lettered_and_not_applied(sessions):
    dead = FakeBroker()
    consumer = EventConsumer(
        name="test", uow=lambda: SqlUnitOfWork(sessions, source="/services/test"),
        handlers={CaseClosed: _apply}, dead_letters=DeadLetters(dead.publish, consumer="test"),
        backoff_s=0, owner_of=Topics().owner_source)
    forged = to_kafka(new_envelope(_closed("c9"), source="/services/intruder", subject="c9")).value
    real = to_kafka(new_envelope(_closed("c10"), source="/services/scheduling", subject="c10")).value
    await consumer.consume(Record("vod.scheduling", 0, 1, b"c9", forged))
    await consumer.consume(Record("vod.scheduling", 0, 2, b"c10", real))
    [(topic, _, value, headers)] = dead.sent
    assert topic == "vod.scheduling.dlq" and value == forged
    assert headers["dlq-reason"] == ("not from the topic's owner: source '/services/intruder',"
                                     " expected '/services/scheduling'")
    assert await _applied_count(sessions) == 1


async def test_an_owner_speaks_only_for_those_it_may(sessions):
    """Each topic has one owner, but scheduling does not act for the victim: a pause "by the
    victim" or with her withdrawal's reason on vod.scheduling would tell her "your withdrawal
    is pending" for one she never asked for. Intake does not act for the facilitators."""
    dead = FakeBroker()
    consumer = EventConsumer(
        name="test", uow=lambda: SqlUnitOfWork(sessions, source="/services/test"),
        handlers={CasePaused: _apply, CaseWithdrawn: _apply, CaseClosed: _apply},
        dead_letters=DeadLetters(dead.publish, consumer="test"), backoff_s=0,
        owner_of=Topics().owner_source)
    now = datetime.now(timezone.utc)
    told = [  # (topic, the event, kept?)
        ("vod.scheduling", CasePaused(case_id="a", by="victim", at=now), False),
        ("vod.scheduling", CasePaused(case_id="b", by="director", reason=WITHDRAWAL_PENDING,
                                      at=now), False),
        ("vod.scheduling", CasePaused(case_id="c", by="facilitator", reason="ill", at=now), True),
        ("vod.scheduling", CaseClosed(case_id="d", reason="completed", by="offender", at=now),
         True),
        ("vod.intake", CaseWithdrawn(case_id="e", by="director", at=now), False),
        ("vod.intake", CasePaused(case_id="f", by="victim", reason=WITHDRAWAL_PENDING, at=now),
         True),
        ("vod.intake", CaseWithdrawn(case_id="g", by="staff_for_victim", at=now), True)]
    for offset, (topic, data, _) in enumerate(told):
        owner = Topics().owner_source(topic)
        await consumer.consume(Record(topic, 0, offset, data.case_id.encode(), to_kafka(
            new_envelope(data, source=owner, subject=data.case_id)).value))
    assert await _applied_count(sessions) == sum(kept for *_, kept in told)
    assert [h["dlq-reason"] for *_, h in dead.sent] == [
        "not the topic's owner's to say: scheduling does not speak for victim",
        "not the topic's owner's to say: scheduling gives no reason withdrawal_pending",
        "not the topic's owner's to say: intake does not speak for director"]


def configs_keep(configs: dict, base: str) -> bool:
    return configs["t1." + base] == {"retention.ms": "-1"}


def test_every_topic_has_one_owner_and_dead_letters_keep_a_week():
    from vod_shared.topics import AUDIT, EVENT_TOPICS, PEOPLE, WRITTEN_BY_ALL, all_topics
    topics = Topics("t1.")
    assert topics.owner_source("t1.vod.people") == "/services/intake"
    assert topics.owner_source("t1.vod.custody") == "/services/screening"
    assert topics.owner_source("vod.people") is None  # another prefix: not ours to judge
    owned = [t for t in (*EVENT_TOPICS, PEOPLE) if t not in WRITTEN_BY_ALL]
    assert all(topics.owner_source(topics.name(t)) for t in owned)
    # the audit entries of every service: no one owner (its reader checks the source instead)
    assert topics.owner_source("t1.vod.audit") is None and configs_keep(all_topics("t1."), AUDIT)
    configs = all_topics("t1.")
    assert configs["t1.vod.intake.dlq"] == {"retention.ms": str(7 * 86400 * 1000)}
    assert configs["t1.vod.intake"] == {"retention.ms": "-1"}


@pytest.mark.integration
async def test_a_batch_that_broke_its_transaction_does_not_keep_the_relays_lock(postgres_server):
    """PostgreSQL only (the lock is PostgreSQL's): the relay's lock belongs to the session. A
    statement that failed inside the batch must not leave it held by a pooled connection, or no
    relay of the service would publish again."""
    engine = create_engine(postgres_server.create_database("relay_lock"))
    async with engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
    sessions = session_factory(engine)
    relay = OutboxRelay(engine, FakeBroker().publish, service="test")
    async with engine.connect() as conn:
        assert await relay._take_lock(conn)
        with pytest.raises(Exception):
            await conn.execute(text("SELECT 1 / 0"))  # the batch's transaction is now broken
        await relay._release_lock(conn)
    await _emit(sessions, "after")
    try:
        assert await relay.publish_pending() == 1  # the lock could be taken again
    finally:
        await engine.dispose()


async def test_an_event_waiting_for_its_key_is_applied_when_the_key_comes(sessions):
    from vod_shared.consumer import NotYet

    waits = [NotYet(), NotYet()]

    async def needs_key(envelope, uow):
        if waits:
            raise waits.pop()
        await _apply(envelope, uow)

    dead = FakeBroker()
    await _consumer(sessions, needs_key, dead, max_attempts=1).consume(
        _record(to_kafka(new_envelope(_closed("c7"), source="/s", subject="c7")).value))
    assert await _applied_count(sessions) == 1 and dead.sent == []


async def test_an_event_whose_key_never_comes_is_parked_after_the_wait(sessions):
    from vod_shared.consumer import NotYet

    async def never(envelope, uow):
        raise NotYet()

    dead = FakeBroker()
    consumer = EventConsumer(
        name="test", uow=lambda: SqlUnitOfWork(sessions, source="/services/test"),
        handlers={CaseClosed: never}, dead_letters=DeadLetters(dead.publish, consumer="test"),
        backoff_s=0, not_yet_s=0.5)
    await consumer.consume(
        _record(to_kafka(new_envelope(_closed("c8"), source="/s", subject="c8")).value))
    assert await _applied_count(sessions) == 0
    assert "waited" in dead.sent[0][3]["dlq-reason"] and "NotYet" in dead.sent[0][3]["dlq-reason"]


async def test_a_tombstone_is_published_as_a_null_value_and_skipped_by_consumers(engine, sessions):
    async with SqlUnitOfWork(sessions, source="/services/test") as uow:
        await uow.emit_tombstone(topic="vod.keys", key="person-1/notifications")
        await uow.commit()
    broker = FakeBroker()
    await OutboxRelay(engine, broker.publish, service="test").publish_pending()
    assert broker.sent == [("vod.keys", b"person-1/notifications", None, {})]

    dead = FakeBroker()
    await _consumer(sessions, _apply, dead).consume(
        Record(topic="vod.keys", partition=0, offset=3, key=b"person-1/notifications", value=None))
    assert dead.sent == [] and await _applied_count(sessions) == 0


async def test_a_parked_data_key_leaves_its_value_behind(sessions):
    dead = FakeBroker()
    letters = DeadLetters(dead.publish, consumer="test-keys", keep_value=False)
    await letters.send(Record(topic="vod.keys", partition=1, offset=9, key=b"p/notifications",
                              value=b'{"wrapped": "secret"}'), "grant refused: not_authentic")
    topic, _, value, headers = dead.sent[0]
    assert topic == "vod.keys.dlq" and value == b"" and headers["dlq-original-offset"] == "9"


@pytest.mark.integration
async def test_two_copies_never_handle_events_of_one_subject_at_once(postgres_server):
    """PostgreSQL: a copy handling an event about a case waits for another copy's transaction
    on the same case to commit (events of one case come on several topics, to several copies),
    and then sees what it did; other cases do not wait."""
    import asyncio

    engine = create_engine(postgres_server.create_database("subject_lock"))
    async with engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
        await conn.run_sync(state.create_all)
    sessions = session_factory(engine)
    order: list[str] = []
    first_holds = asyncio.Event()

    async def first() -> None:
        async with SqlUnitOfWork(sessions, source="/s") as uow:
            await uow.serialize_on("case-1")
            first_holds.set()
            await asyncio.sleep(0.5)
            await uow.session.execute(insert(applied).values(case_id="case-1"))
            order.append("first committed")
            await uow.commit()

    async def second(subject: str) -> int:
        await first_holds.wait()
        async with SqlUnitOfWork(sessions, source="/s") as uow:
            await uow.serialize_on(subject)
            order.append(f"second on {subject}")
            return await uow.session.scalar(select(func.count()).select_from(applied))

    try:
        _, seen_other, seen_same = await asyncio.gather(first(), second("case-2"),
                                                        second("case-1"))
    finally:
        await engine.dispose()
    assert order.index("second on case-2") < order.index("first committed")  # no wait
    assert order.index("first committed") < order.index("second on case-1")
    assert seen_same == 1  # it saw the first copy's work


async def test_two_relays_on_one_sqlite_file_never_both_publish(engine, sessions):
    """Two processes on one SQLite store (a second copy started by mistake): only one relay
    publishes its outbox; the other publishes nothing (issue 16: each published the same
    events)."""
    await _emit(sessions, "a", "b")
    first, second = FakeBroker(), FakeBroker()
    one = OutboxRelay(engine, first.publish, service="test")
    other = OutboxRelay(create_engine(str(engine.url)), second.publish, service="test")
    assert await one.publish_pending() == 2
    await _emit(sessions, "c")
    assert await other.publish_pending() == 0 and second.sent == []
    assert await one.publish_pending() == 1
    assert [key for _, key, _, _ in first.sent] == [b"a", b"b", b"c"]


class PipelinedBroker:
    """A producer that takes records at once and acknowledges them later, all together."""

    def __init__(self, fail_key: bytes | None = None) -> None:
        self.sent: list[bytes] = []
        self.waiting: list[tuple[bytes, asyncio.Future]] = []
        self.most_in_flight = 0
        self.fail_key = fail_key

    async def publish(self, topic, key, value, headers):
        raise AssertionError("the relay waits for acks one by one only without send")

    async def send(self, topic, key, value, headers):
        ack = asyncio.get_running_loop().create_future()
        self.sent.append(key)
        self.waiting.append((key, ack))
        self.most_in_flight = max(self.most_in_flight, len(self.waiting))
        asyncio.get_running_loop().call_later(0.01, self._ack_all)
        return ack

    def _ack_all(self) -> None:
        for key, ack in self.waiting:
            if not ack.done():
                if key == self.fail_key:
                    ack.set_exception(ConnectionError("not acknowledged"))
                else:
                    ack.set_result(None)
        self.waiting = []


async def test_the_relay_keeps_many_in_flight_but_one_per_key(engine, sessions):
    await _emit(sessions, *[f"case-{i}" for i in range(50)], "case-0", "case-1")
    broker = PipelinedBroker()
    relay = OutboxRelay(engine, broker.publish, send=broker.send, service="test")
    assert await relay.publish_pending() == 52
    assert broker.most_in_flight == 50  # not one round trip per event
    # a key's second event went only after its first was acknowledged
    assert broker.sent[-2:] == [b"case-0", b"case-1"]
    assert await relay.pending_count() == 0


async def test_a_failed_ack_leaves_that_event_and_its_keys_later_ones_pending(engine, sessions):
    await _emit(sessions, "a", "b", "a", "c")
    broker = PipelinedBroker(fail_key=b"a")
    relay = OutboxRelay(engine, broker.publish, send=broker.send, service="test")
    with pytest.raises(ConnectionError):
        await relay.publish_pending()
    assert broker.sent == [b"a", b"b"]  # a's second event never went after a's first failed
    async with engine.connect() as conn:
        left = (await conn.execute(select(outbox.c.key).where(outbox.c.published_at.is_(None))
                                   .order_by(outbox.c.seq))).scalars().all()
    assert left == ["a", "a", "c"]  # b, acknowledged, is not published twice


async def test_a_commit_wakes_the_relay_without_waiting_for_its_poll(engine, sessions):
    broker = FakeBroker()
    relay = OutboxRelay(engine, broker.publish, service="test", poll_interval_s=30.0)
    running = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.2)  # its first round found nothing: it sleeps for 30 s
        async with SqlUnitOfWork(sessions, source="/services/test",
                                 on_commit=relay.notify) as uow:
            await uow.emit(_closed("a"), topic="vod.test", subject="a")
            await uow.commit()
        for _ in range(100):
            if broker.sent:
                break
            await asyncio.sleep(0.02)
        assert len(broker.sent) == 1  # within 2 s, not 30
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running


async def test_a_long_batch_is_marked_published_as_its_acks_come_back(engine, sessions):
    await _emit(sessions, *[f"case-{i}" for i in range(250)])
    broker = PipelinedBroker()
    marked_while_sending = []

    async def send(topic, key, value, headers):
        if len(broker.sent) in (150, 249):
            marked_while_sending.append(250 - await relay.pending_count())
        return await broker.send(topic, key, value, headers)

    relay = OutboxRelay(engine, broker.publish, send=send, service="test")
    assert await relay.publish_pending() == 250
    assert marked_while_sending == [100, 200]  # a crash then republishes at most 100
    assert broker.most_in_flight == 100
    assert await relay.pending_count() == 0
