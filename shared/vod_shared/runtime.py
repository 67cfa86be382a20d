"""The running parts every service has, wired once: the Kafka broker (FastStream), the store
(SQLAlchemy, migrated at start), the outbox relay, the event consumer, and ``/healthz``,
``/readyz`` and ``/metrics``.

Start-up: migrate (the service's store, then the staff store all services share), connect to
the broker (waiting for it; SIGTERM or Ctrl-C ends the wait: ``vod_shared.stopping``), start the
relay and consumers.
Shut-down in the reverse order, consumers first, so no handler is cut off mid-transaction by a
closing database.
"""
import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Union

import structlog
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from fastapi import APIRouter, FastAPI, Request, Response
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.middlewares import AckPolicy
from sqlalchemy import text

from vod_shared.backlog import BacklogWatch
from vod_shared.consumer import DeadLetters, EventConsumer, Handler, Record, Unprocessable
from vod_shared.db import create_engine, session_factory
from vod_shared.events.audit import AuditRecorded
from vod_shared.events.base import EventData
from vod_shared.events.people import SubjectKeyGranted
from vod_shared.failpoints import Failpoints
from vod_shared.kafka_clients import running
from vod_shared.logging import redact_text
from vod_shared.memory import give_back_every, limit_heaps
from vod_shared.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from vod_shared.metrics import UNKNOWN_TYPE, MetricsAccess, ServiceMetrics
from vod_shared.migration_process import MigrateInChild
from vod_shared.outbox import OutboxRelay
from vod_shared.person_keys import readers_of_keys
from vod_shared.sealing import CannotUnseal, KeyDirectory
from vod_shared.problems import Problem, install_problem_handlers, problem_response
from vod_shared.settings import ServiceSettings, refuse_development_secrets
from vod_shared.staff import StaffAuth, StaffStore
from vod_shared.stopping import cancel_and_wait, stop_if_cancelled, stop_requests
from vod_shared.unit_of_work import SqlUnitOfWork

if TYPE_CHECKING:
    from vod_shared.keybook import KeyBook

log = structlog.get_logger("vod.runtime")
# how often the C heaps' free pages go back to the system (a few milliseconds each)
_GIVE_BACK_MEMORY_EVERY_S = 5.0
# aiokafka keeps one produce request in flight per broker, carrying at most one batch per
# partition, and a send waits while its partition's batch is full. At the default 16 KiB (some
# ten outbox records) a relay's hundred records took ten round trips, each of several turns of
# a loop that webhooks keep busy. Below the broker's message.max.bytes (1 MB by default): a batch
# over it would be refused whole. And no more than what a consumer reads ahead of a partition
# (CONSUMER_FETCH_KIB): the broker hands a batch over that limit only to the first partition with
# data in a fetch, so a partition whose batches were bigger would be read slowly while others
# have data too. (512 KiB until the read-ahead was bounded; a relay's 100 records are ~200 KiB.)
PRODUCER_BATCH_BYTES = 256 * 1024
# How long a commit of consumed offsets may wait for the broker. aiokafka waits for the group
# coordinator without end, so with the broker away a handler (and a stop) waited forever;
# an offset not committed only brings its records again, dropped by id.
COMMIT_WAIT_S = 5.0
# How long a stop waits for the broker client: its consumers' last batches (FastStream's
# graceful_timeout), then the producer's records in flight. With the broker away at the stop,
# only for the batches' store work: no commit or acknowledgement can come, and what is cut off
# is safe (a batch not in the store comes again; a record not acknowledged stays in the outbox).
BROKER_STOP_WAIT_S = 20.0
BROKER_AWAY_STOP_WAIT_S = 5.0
# How often each consumer is looked at for a group coordination that has ended, and how long
# stopping such a consumer may take before it is started afresh all the same.
CONSUMER_CHECK_S = 5.0
CONSUMER_RESTART_WAIT_S = 30.0  # a stop waits up to 15 s for the batch in hand, then leaves


async def _raw_body(message) -> bytes:
    # Decoding is ours (envelope.from_kafka), so a malformed record reaches the dead letters
    # instead of failing inside FastStream.
    return message.body


class CommitPacer:
    """When, and what, to commit of consumed offsets. Records are applied a batch at a time;
    committing after every batch would add a round trip to each, and the inbox makes a
    redelivered record harmless, so offsets are committed every ``every`` records or
    ``interval_s`` seconds, when the stream goes quiet, and at shut-down. After a crash, the
    records applied since the last commit come again and are dropped by id.

    What is committed is each partition's last record *handled* (applied or parked), plus one,
    never the consumer's positions: a position moves as soon as a fetch returns, before its
    records are in the store, and a commit of it then (from the quiet-time flush, in a turn
    between the fetch and the handler) would lose them to a crash."""

    def __init__(self, every: int, interval_s: float) -> None:
        self._every, self._interval_s = every, interval_s
        self._since, self._last = 0, time.monotonic()
        self._consumer = None  # aiokafka's consumer of the records handled
        self._handled: dict[TopicPartition, int] = {}  # the next offset, per partition
        self._flushing = asyncio.Lock()  # the quiet-time flush and a handler's, one at a time
        self._waiting = False  # a commit timed out and none has succeeded since

    def due(self, records: int = 1) -> bool:
        self._since += records
        if self._since < self._every and time.monotonic() - self._last < self._interval_s:
            return False
        self._since, self._last = 0, time.monotonic()
        return True

    async def handled(self, consumer, records: Sequence[Record]) -> None:
        """``records`` are in the store (or parked on the dead-letter topic)."""
        if consumer is not self._consumer:  # started afresh: it reads on from the last commit
            self._consumer, self._handled = consumer, {}
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            self._handled[tp] = max(self._handled.get(tp, 0), record.offset + 1)
        if self.due(len(records)):
            await self.flush()

    async def flush(self) -> None:
        """Commits what has been handled on the partitions this consumer still holds (one
        taken away is another's now: it reads it again from the last commit, dropping by id),
        one flush at a time, so never below what it committed before. A commit the broker does not answer within
        ``COMMIT_WAIT_S`` is kept for the next flush, said once per outage; one that fails
        otherwise (or is cancelled) is kept too, and its error raised."""
        async with self._flushing:
            handled, self._handled = self._handled, {}
            consumer = self._consumer
            if not handled:
                return
            assigned = consumer.assignment()
            offsets = {tp: offset for tp, offset in handled.items() if tp in assigned}
            if not offsets:
                return
            try:
                async with asyncio.timeout(COMMIT_WAIT_S):
                    await consumer.commit(offsets)
            except BaseException as exc:
                if consumer is self._consumer:  # not started afresh meanwhile
                    for tp, offset in offsets.items():  # unless a later batch moved it on
                        self._handled[tp] = max(self._handled.get(tp, 0), offset)
                if not isinstance(exc, TimeoutError):
                    raise
                if not self._waiting:
                    log.warning("offsets.commit_waiting", waited_s=COMMIT_WAIT_S,
                                reason="the broker did not answer; committed at a later flush")
                self._waiting = True
                return
            self._waiting = False


def _coordination_ended(consumer) -> BaseException | None:
    """Why aiokafka's ``consumer`` will never fetch again, if it will not: its group coordination
    task ended on an error aiokafka did not expect. From then on every fetch raises that error
    and FastStream logs "Kafka error occurred" every 5 s, for ever. (aiokafka says so only
    through its private attributes; ``None`` too when they are not there.)"""
    task = getattr(getattr(consumer, "_coordinator", None), "_coordination_task", None)
    if not isinstance(task, asyncio.Future) or not task.done():
        return None
    if getattr(consumer, "_closed", False):  # ended by a stop (the routine then returns)
        return None
    if task.cancelled():
        return asyncio.CancelledError()
    return task.exception()


def _producer_ended(broker: KafkaBroker) -> BaseException | None:
    """Why the broker client's producer will never send again, if it will not: aiokafka's
    sender task ended on an error it did not expect, and every send since fails with it. (As
    for consumers, only aiokafka's and FastStream's private attributes say so.)"""
    task = _producer_sender_task(broker)
    if task is None or not task.done() or task.cancelled():
        return None
    return task.exception()


def _producer_sender_task(broker: KafkaBroker) -> asyncio.Future | None:
    state = getattr(getattr(broker.config, "producer", None), "_producer", None)
    if not state:  # not connected (FastStream's empty state is false)
        return None
    sender = getattr(getattr(state, "producer", None), "_sender", None)
    task = getattr(sender, "sender_task", None)
    return task if isinstance(task, asyncio.Future) else None


async def _tolerant_headers(batch, parse):
    """FastStream decodes every header as UTF-8 before the handler runs and drops the batch
    if one is not; its records would then be neither applied nor parked. Show it headers it
    can read; the original bytes stay on each record for the dead letters."""
    originals = [record.headers for record in batch]
    for record, headers in zip(batch, originals):
        record.headers = [(name, value.decode("utf-8", "replace").encode() if value else b"")
                          for name, value in headers or ()]
    try:
        return await parse(batch)
    finally:
        for record, headers in zip(batch, originals):
            record.headers = headers


def _not_anothers_grant(others: tuple[bytes, ...], record: Record) -> bool:
    """False for a record on vod.keys keyed to another reader (``<subject>/<reader>``, its
    ``/<reader>`` among ``others``): passed over. Any other is read and judged by what it says,
    so one keyed oddly (none of intake's) still goes to the dead letters when not intake's."""
    return not (record.key and record.key.endswith(others))


class ServiceRuntime:
    def __init__(self, settings: ServiceSettings, *, migrations_dir: Path,
                 uow_class: type[SqlUnitOfWork] = SqlUnitOfWork) -> None:
        refuse_development_secrets(dict(os.environ), settings.vod_env)
        limit_heaps()  # before any thread starts: see vod_shared.memory
        self.settings = settings
        self.topics = settings.topics
        self.failpoints = Failpoints(settings.failpoint)
        self._kafka_options = settings.kafka_client_options()
        self.broker = KafkaBroker(
            settings.kafka_bootstrap_servers, acks="all", enable_idempotence=True,
            max_batch_size=PRODUCER_BATCH_BYTES,
            security=_broker_security(self._kafka_options),
            client_id=f"vod-{settings.service_name}", graceful_timeout=15.0,
            # One line per message is ours (event.applied, with ids); FastStream's own
            # "Received"/"Processed" pair goes to DEBUG.
            logger=logging.getLogger("faststream"), log_level=logging.DEBUG,
        )
        self.engine = create_engine(settings.effective_database_url(),
                                    sqlite_driver=settings.sqlite_driver)
        # its audit entries' events are signed with the service's key (vod_shared.audit_log)
        self.audit_signer = KeyDirectory(settings.effective_keys_dir()).keyring(
            settings.service_name)
        self.sessions = session_factory(self.engine, topic_prefix=self.topics.prefix,
                                        audit_signer=self.audit_signer)
        # Staff sign-in state, shared with the other services (STAFF_DATABASE_URL).
        self.staff_store = StaffStore.from_settings(settings)
        self.relay = OutboxRelay(self.engine, self.publish, send=self.send,
                                 service=settings.service_name,
                                 poll_interval_s=settings.outbox_poll_interval_s,
                                 retention=timedelta(days=settings.outbox_retention_days),
                                 failpoints=self.failpoints)
        # a few lines of ours on a broker outage, and "catching up" on /healthz after it
        self.backlog = BacklogWatch(broker_ok=self._broker_ok, pending=self.relay.pending_stats,
                                    on_back=self.relay.retry_now)
        self._migrations_dir = migrations_dir
        self._uow_class = uow_class
        self._relay_task: asyncio.Task | None = None
        # inside ``lifespan``: whether the service really started (False after a stop requested
        # before the broker answered); a service's own background work starts only if so
        self.started = False
        self._topics_used: set[str] = set()
        # what this service subscribes to and publishes on (the broker's ACLs must match:
        # vod_shared.topics.acl_entries)
        self.consumed: set[str] = set()
        self.published: set[str] = set()
        self._pacers: list[CommitPacer] = []
        # (consumer group, FastStream subscriber): its aiokafka consumer, once started, tells
        # which partitions the group gave it (/readyz) and how far behind it is (/metrics)
        self._subscribers: list[tuple[str, object]] = []
        self.metrics = ServiceMetrics()
        self.metrics.gauge("vod_consumer_lag", "Records on a partition this service's consumer "
                           "has not reached yet", ("topic", "partition", "group"), self._lags)
        self.metrics.gauge("vod_outbox_pending", "Events in the outbox not yet published", (),
                           self._outbox_pending)
        self.metrics.gauge("vod_outbox_oldest_seconds", "How long the oldest unpublished event "
                           "has waited in the outbox", (), self._outbox_oldest)
        # every service's staff audit entries, for screening's page of them all
        self.publishes(self.topics.audit, AuditRecorded)

    def uow(self) -> SqlUnitOfWork:
        return self._uow_class(self.sessions, source=self.settings.source,
                               on_commit=self.relay.notify)

    async def publish(self, topic: str, key: bytes, value: bytes | None,
                      headers: dict[str, str]) -> None:
        """Publishes one record (a None value: a tombstone) and returns once the broker has
        acknowledged it."""
        await self.broker.publish(value, topic=topic, key=key, headers=headers)

    async def send(self, topic: str, key: bytes, value: bytes | None,
                   headers: dict[str, str]) -> Awaitable[object]:
        """Hands one record to the producer (in order) and returns its acknowledgement to
        await: the outbox relay keeps many in flight."""
        return await self.broker.publish(value, topic=topic, key=key, headers=headers,
                                         no_confirm=True)

    def publishes(self, topic: str, *models: type[EventData]) -> None:
        """Declares what this service publishes on ``topic``, for the AsyncAPI document.
        (The outbox relay does the publishing.)"""
        self._topics_used.add(topic)
        self.published.add(topic)
        self.broker.publisher(topic, title=f"{topic}:{self.settings.service_name}",
                              description="CloudEvents 1.0, structured JSON; key = subject",
                              schema=Union[models] if len(models) > 1 else models[0])

    def consume(self, *topics: str, handlers: Mapping[type[EventData], Handler]) -> EventConsumer:
        """Subscribes the service's consumer group to ``topics``; offsets commit after handling."""
        name = self.settings.service_name
        self._topics_used.update(topics)
        self._topics_used.update(self.topics.dlq(topic) for topic in topics)
        self.consumed.update(topics)
        consumer = EventConsumer(
            name=name, uow=self.uow, handlers=handlers,
            dead_letters=DeadLetters(self.publish, consumer=name, metrics=self.metrics),
            max_attempts=self.settings.consumer_max_attempts,
            backoff_s=self.settings.consumer_retry_backoff_s, failpoints=self.failpoints,
            owner_of=self.topics.owner_source, not_yet_s=self.settings.consumer_not_yet_s,
            metrics=self.metrics,
        )
        self._subscribe(topics, consumer, group=self.settings.consumer_group,
                        title=f"{name}-consumer")
        for topic in topics:  # from 0, so the first dead letter is an increase() of 1
            self.metrics.dead_letters.start_at_zero(topic)
        return consumer

    def consume_keys(self, keybook: "KeyBook") -> EventConsumer:
        """Keeps the data keys intake grants this service (``vod.keys``), in a consumer group of
        their own: an event waiting for its key never holds up the key. A grant that cannot be
        kept is parked without its value (a data key is never copied to another topic)."""
        name = f"{self.settings.service_name}-keys"
        topic = self.topics.keys
        self._topics_used.update((topic, self.topics.dlq(topic)))
        self.consumed.add(topic)

        async def keep(envelope, uow) -> None:
            try:
                await keybook.keep(uow.session, envelope.data, datetime.now(timezone.utc))
            except CannotUnseal as exc:
                raise Unprocessable(f"grant refused: {exc.reason}") from None

        consumer = EventConsumer(
            name=name, uow=self.uow, handlers={SubjectKeyGranted: keep},
            dead_letters=DeadLetters(self.publish, consumer=name, keep_value=False,
                                     metrics=self.metrics),
            max_attempts=self.settings.consumer_max_attempts,
            backoff_s=self.settings.consumer_retry_backoff_s, failpoints=self.failpoints,
            owner_of=self.topics.owner_source, metrics=self.metrics,
            # a grant's Kafka key names its reader (``grant_record_key``): the other readers'
            # grants (two of every three) are passed over unread, and kept out of the inbox
            concerns=partial(_not_anothers_grant, tuple(
                f"/{reader}".encode() for reader in readers_of_keys()
                if reader != self.settings.service_name)),
        )
        self._subscribe((topic,), consumer, group=f"{self.settings.consumer_group}-keys",
                        title=name)
        self.metrics.dead_letters.start_at_zero(topic)
        return consumer

    def _subscribe(self, topics: tuple[str, ...], consumer: EventConsumer, *, group: str,
                   title: str) -> None:
        commits = CommitPacer(self.settings.consumer_commit_every,
                              self.settings.consumer_commit_interval_s)
        self._pacers.append(commits)

        subscriber = self.broker.subscriber(
            *topics, group_id=group, ack_policy=AckPolicy.MANUAL,
            auto_offset_reset="earliest", decoder=_raw_body, parser=_tolerant_headers,
            session_timeout_ms=self.settings.kafka_session_timeout_ms,
            heartbeat_interval_ms=max(self.settings.kafka_session_timeout_ms // 4, 250),
            # Up to N records at once (several partitions' among them), applied in one
            # transaction; a batch waits at most batch_timeout_ms for more to come.
            batch=True, max_records=self.settings.consumer_batch_size,
            batch_timeout_ms=self.settings.consumer_batch_wait_ms,
            max_partition_fetch_bytes=self.settings.consumer_fetch_kib * 1024,
            title=title,
        )
        self._subscribers.append((group, subscriber))

        @subscriber
        async def on_records(body: list[bytes], message: KafkaMessage) -> None:
            records = [Record(topic=raw.topic, partition=raw.partition, offset=raw.offset,
                              key=raw.key, value=raw.value, headers=tuple(raw.headers or ()))
                       for raw in message.raw_message]
            try:
                await consumer.consume_batch(records)
            except Exception as exc:
                # A stop that came mid-batch is not a fault of the records: they come again
                stop_if_cancelled(exc)
                # A fault of ours, not of the records; still, the offsets must not pass a
                # record that is neither applied nor parked (one applied already is dropped by
                # its id when it is replayed).
                log.exception("consumer.failed", topic=records[0].topic,
                              offset=records[0].offset, records=len(records))
                for record in filter(consumer.concerns, records):
                    await consumer.dead_letters.send(record,
                                                     f"consumer error: {type(exc).__name__}")
                    self.metrics.handled(UNKNOWN_TYPE, "dead_lettered", 0.0)
            try:
                await commits.handled(message.consumer, records)
            except KafkaError as exc:
                # The group moved on (the broker was frozen past the session timeout): the
                # record is in the store, comes again to whoever holds its partition now, and
                # is dropped by id. One line, not FastStream's traceback of forty.
                log.warning("offsets.commit_failed", error=type(exc).__name__)

    @asynccontextmanager
    async def lifespan(self, _app: FastAPI | None = None) -> AsyncIterator[None]:
        try:  # read now: a key missing is told at the start, not at staff's first action
            self.audit_signer.signing
        except (OSError, ValueError) as exc:
            # every staff action that writes an audit entry fails until it is there
            log.error("audit.signing_key_unreadable", error=type(exc).__name__,
                      hint=f"{self.settings.service_name}.sign in VOD_KEYS_DIR: its audit "
                           "entries cannot be signed, so staff actions that are audited fail")
        if self.engine.dialect.name == "sqlite":
            self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        # In a child process, so that alembic never takes this process's memory.
        upgrade = MigrateInChild(self.settings.service_name, self.settings.log_format,
                                 self.settings.log_level, self.settings.sqlite_driver)
        stop = asyncio.Event()  # SIGTERM or Ctrl-C before the service has started
        with stop_requests(stop.set):
            await upgrade(self.engine, self._migrations_dir)  # never cut off half-way
            await self.staff_store.start(upgrade=upgrade)
            started = not stop.is_set() and await self._connect_broker_unless(stop)
        if not started:
            # Nothing was started but the stores; uvicorn, which noted the signal too, stops
            # at once once this has yielded.
            log.warning("service.stopping_before_start",
                        reason="stop requested before the broker answered",
                        bootstrap_servers=self.settings.kafka_bootstrap_servers)
            try:
                yield
            finally:
                await self.engine.dispose()
                await self.staff_store.close()
                log.info("service.stopped", before_start=True)
            return
        self._relay_task = asyncio.create_task(self.relay.run(), name="outbox-relay")
        quiet_commits = asyncio.create_task(self._commit_when_quiet(), name="quiet-commits")
        backlog_watch = asyncio.create_task(self.backlog.run(), name="backlog-watch")
        consumers_watch = asyncio.create_task(self._restart_ended_consumers(),
                                              name="consumers-watch")
        memory = asyncio.create_task(give_back_every(_GIVE_BACK_MEMORY_EVERY_S), name="give-back")
        log.info("service.started", port=self.settings.effective_port())
        self.started = True
        try:
            yield
        finally:
            self.started = False
            for task in (memory, consumers_watch, backlog_watch, quiet_commits):
                await cancel_and_wait(task)
            away = not await self._broker_ok()
            if not away:
                await self._flush_commits()
            wait = BROKER_AWAY_STOP_WAIT_S if away else BROKER_STOP_WAIT_S
            try:
                await asyncio.wait_for(self.broker.stop(), wait)
            except asyncio.TimeoutError:
                log.warning("broker.stop_cut_off", waited_s=wait, broker_away=away,
                            reason="the broker did not answer; events not acknowledged stay "
                                   "in the outbox, records not committed come again")
            await cancel_and_wait(self._relay_task)
            await self.engine.dispose()
            await self.staff_store.close()
            log.info("service.stopped")

    async def _restart_ended_consumers(self) -> None:
        """A consumer whose group coordination has ended (``_coordination_ended``) is stopped
        and started afresh: it joins its group again and reads on from the last commit, what
        it had applied since then dropped by id. Left alone, the service would look healthy
        and apply nothing more until someone restarted it. A producer that has ended the same
        way is said once (``broker.producer_ended``); /healthz answers 503 from then on."""
        stopped: set[str] = set()  # the groups whose consumer is stopped, to start again
        producer_told = False
        while True:
            stop_if_cancelled()
            await asyncio.sleep(CONSUMER_CHECK_S)
            if not producer_told and (ended := _producer_ended(self.broker)) is not None:
                # Not mended here: /healthz says so (503) until the service is restarted.
                log.error("broker.producer_ended", error=type(ended).__name__,
                          reason="it will publish nothing more; restart the service")
                producer_told = True
            for group, subscriber in self._subscribers:
                if group not in stopped:
                    ended = _coordination_ended(getattr(subscriber, "consumer", None))
                    if ended is None:
                        continue
                    log.error("consumer.restarting", group=group, error=type(ended).__name__,
                              reason="its group coordination ended; it would fetch nothing more")
                    await self._stop_subscriber(group, subscriber)
                    stopped.add(group)
                    stop_if_cancelled()  # not started again by a stop that came meanwhile
                try:
                    async with asyncio.timeout(CONSUMER_RESTART_WAIT_S):
                        await subscriber.start()
                except Exception as exc:  # noqa: BLE001 - tried again at the next look
                    stop_if_cancelled(exc)
                    log.error("consumer.restart_failed", group=group, error=type(exc).__name__)
                    await self._stop_subscriber(group, subscriber)
                    continue
                stopped.discard(group)
                log.info("consumer.restarted", group=group)

    @staticmethod
    async def _stop_subscriber(group: str, subscriber) -> None:
        """Stops ``subscriber`` (its handler's batch, leaving the group), at most
        ``CONSUMER_RESTART_WAIT_S``; cut off, its consumer's fetcher and connections are closed
        all the same, each in a few seconds at most, so that no restart leaves them open."""
        consumer = getattr(subscriber, "consumer", None)
        try:
            async with asyncio.timeout(CONSUMER_RESTART_WAIT_S):
                await subscriber.stop()
            return
        except Exception as exc:  # noqa: BLE001 - a consumer that is broken already
            log.warning("consumer.stop_failed", group=group, error=type(exc).__name__)
        for part in (getattr(consumer, "_fetcher", None), getattr(consumer, "_client", None)):
            if part is None:
                continue
            with suppress(Exception):
                async with asyncio.timeout(5.0):
                    await part.close()
        subscriber.consumer = None

    async def _commit_when_quiet(self) -> None:
        while True:
            stop_if_cancelled()
            await asyncio.sleep(max(self.settings.consumer_commit_interval_s, 0.1))
            await self._flush_commits()

    async def _flush_commits(self) -> None:
        for pacer in self._pacers:
            try:
                await pacer.flush()
            except Exception as exc:  # a rebalance in progress: the next flush will do
                log.warning("offsets.commit_failed", error=type(exc).__name__)

    async def _connect_broker_unless(self, stop: asyncio.Event) -> bool:
        """Waits for the broker, unless ``stop`` is set first (then False)."""
        connect = asyncio.create_task(self._connect_broker(), name="connect-broker")
        stopped = asyncio.create_task(stop.wait(), name="stop-requested")
        try:
            await asyncio.wait((connect, stopped), return_when=asyncio.FIRST_COMPLETED)
        finally:  # a stop, or this start cancelled: the waiting ends with it
            stopped.cancel()
            if not connect.done():
                connect.cancel()
                with suppress(asyncio.CancelledError):
                    await connect
        if not connect.cancelled():
            connect.result()  # what the connection raised, if it did
            return True
        with suppress(Exception):
            await self.broker.stop()
        return False

    async def _connect_broker(self) -> None:
        """Waits for the broker and for every topic this service uses, then starts consuming.
        (A consumer subscribed to a topic created later would notice it only minutes after.)"""
        delay = 0.5
        while True:
            stop_if_cancelled()
            try:
                # Our own line says the broker is not up yet; aiokafka's error per attempt
                # would only alarm whoever reads the log while a broker is starting.
                with _quiet_logger("aiokafka"):
                    missing = await self._missing_topics()
                if not missing:
                    await self.broker.start()
                    return
                log.warning("topics.missing", topics=missing, retry_in_s=delay)
            except Exception as exc:
                stop_if_cancelled(exc)
                # The reason names hosts and ports (a wrong KAFKA_BOOTSTRAP_SERVERS reads as
                # such), never a person's details; it is redacted all the same.
                log.warning("broker.unreachable", error=type(exc).__name__,
                            reason=redact_text(str(exc))[:300],
                            bootstrap_servers=self.settings.kafka_bootstrap_servers,
                            retry_in_s=delay)
                with suppress(Exception):
                    await self.broker.stop()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _missing_topics(self) -> list[str]:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.settings.kafka_bootstrap_servers,
                                    request_timeout_ms=5000, **self._kafka_options)
        async with running(admin):
            existing = set(await admin.list_topics())
        return sorted(self._topics_used - existing)

    def health_router(self) -> APIRouter:
        router = APIRouter(tags=["health"])

        @router.get("/healthz", summary="200 once the database and the broker answer (\"catching "
                                        "up\", with the outbox backlog, while it drains after a "
                                        "broker outage)")
        async def healthz():
            checks = {"database": await self._database_ok(), "broker": await self._broker_ok()}
            if (ended := _producer_ended(self.broker)) is not None:
                # It would never publish again: only a restart of the service mends that.
                return problem_response(Problem(
                    503, "Not ready", "The broker client's producer stopped for good "
                    f"({type(ended).__name__}); events wait in the outbox until this "
                    "service is restarted"))
            if all(checks.values()):
                return {**await self._catching_up(), **{k: "ok" for k in checks}}
            down = ", ".join(k for k, ok in checks.items() if not ok)
            return problem_response(Problem(503, "Not ready", f"Not reachable: {down}"))

        @router.get("/readyz", summary="200 once the database and the broker answer and every "
                                       "consumer group of this service has partitions assigned")
        async def readyz():
            database, broker = await self._database_ok(), await self._broker_ok()
            unassigned = self._groups_without_partitions()
            if database and broker and not unassigned and not self._groups_ended():
                return {"status": "ok", "database": "ok", "broker": "ok",
                        "consumer_groups": [group for group, _ in self._subscribers]}
            not_ready = [name for name, ok in (("database", database), ("broker", broker)) if not ok]
            not_ready += [f"consumer group {group} (no partitions assigned)" for group in unassigned]
            not_ready += [f"consumer group {group} (its coordination ended; restarting it)"
                          for group in self._groups_ended()]
            return problem_response(Problem(503, "Not ready",
                                            f"Not ready: {'; '.join(not_ready)}"))

        access = MetricsAccess(self.settings.metrics_token.get_secret_value()
                               if self.settings.metrics_token else None)

        @router.get("/metrics", summary="Prometheus metrics (METRICS_TOKEN as a bearer token, "
                                        "or from this machine when unset)",
                    response_class=Response)
        async def metrics(request: Request):
            if refusal := access.refusal(request):
                return problem_response(refusal, request.url.path)
            return Response(await self.metrics.render(), media_type=METRICS_CONTENT_TYPE)

        return router

    async def _catching_up(self) -> dict:
        """``{"status": "ok"}``, or, while the outbox drains the backlog of a broker outage,
        "catching up" with how many events wait and for how long the oldest has waited."""
        if self.backlog.catching_up:
            waiting, oldest = await self.relay.pending_stats()
            if waiting:
                return {"status": "catching up", "events_waiting": waiting,
                        "oldest_waiting_s": round(oldest, 1)}
        return {"status": "ok"}

    def _groups_ended(self) -> list[str]:
        """The consumer groups whose consumer here will fetch nothing more until restarted."""
        return [group for group, subscriber in self._subscribers
                if _coordination_ended(getattr(subscriber, "consumer", None)) is not None]

    def _groups_without_partitions(self) -> list[str]:
        """The consumer groups whose consumer here has no partition (not started, or waiting
        for the group to rebalance)."""
        waiting = []
        for group, subscriber in self._subscribers:
            consumer = getattr(subscriber, "consumer", None)
            try:
                assigned = bool(consumer is not None and consumer.assignment())
            except Exception:  # not subscribed yet
                assigned = False
            if not assigned:
                waiting.append(group)
        return waiting

    async def _lags(self) -> list[tuple[tuple[str, ...], float]]:
        samples = []
        for group, subscriber in self._subscribers:
            consumer = getattr(subscriber, "consumer", None)
            if consumer is None:
                continue
            partitions = sorted(consumer.assignment(), key=lambda tp: (tp.topic, tp.partition))
            if not partitions:
                continue
            ends = await asyncio.wait_for(consumer.end_offsets(partitions), timeout=5.0)
            for tp in partitions:
                position = await asyncio.wait_for(consumer.position(tp), timeout=5.0)
                samples.append(((tp.topic, str(tp.partition), group),
                                float(max(ends[tp] - position, 0))))
        return samples

    async def _outbox_pending(self) -> list[tuple[tuple[str, ...], float]]:
        count, _ = await self.relay.pending_stats()
        return [((), float(count))]

    async def _outbox_oldest(self) -> list[tuple[tuple[str, ...], float]]:
        _, oldest = await self.relay.pending_stats()
        return [((), oldest)]

    async def _database_ok(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def _broker_ok(self) -> bool:
        try:
            return await self.broker.ping(timeout=2.0)
        except Exception:
            return False

    def create_app(self, *, title: str, routers: list[APIRouter] = ()) -> FastAPI:
        docs = self.settings.effective_api_docs()
        app = FastAPI(title=title, lifespan=self.lifespan, version="0.1.0",
                      docs_url="/docs" if docs else None, redoc_url="/redoc" if docs else None)
        install_problem_handlers(app)
        StaffAuth.from_settings(self.settings, store=self.staff_store,
                                metrics=self.metrics).install(app)
        app.include_router(self.health_router())
        for router in routers:
            app.include_router(router)
        return app


@contextmanager
def _quiet_logger(name: str) -> Iterator[None]:
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _broker_security(options: dict):
    """FastStream's security object for aiokafka's connection ``options`` (None: PLAINTEXT)."""
    from faststream.security import BaseSecurity, SASLScram256, SASLScram512

    protocol, context = options["security_protocol"], options.get("ssl_context")
    if protocol == "PLAINTEXT":
        return None
    if protocol == "SSL":
        return BaseSecurity(ssl_context=context, use_ssl=True)
    scram = SASLScram512 if options["sasl_mechanism"] == "SCRAM-SHA-512" else SASLScram256
    return scram(options["sasl_plain_username"], options["sasl_plain_password"],
                 ssl_context=context, use_ssl=protocol == "SASL_SSL")
