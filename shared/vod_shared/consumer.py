"""Consuming events at least once, applying them at most once.

For each record: decode the CloudEvent; drop it if this consumer already applied its id (the
inbox); otherwise run the handler and commit its state, its emitted events and the inbox row
in one transaction. Only then is the offset committed (by the caller). A record that cannot be
decoded, or still fails after bounded retries, goes to ``<topic>.dlq`` with the reason and the
original in headers, and the consumer moves on.
"""
import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import structlog
from pydantic import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError

from vod_shared.envelope import Envelope, UndecodableEvent, read_cloudevent, validated
from vod_shared.events.base import EventData, UnknownEventType, model_for
from vod_shared.events.case import not_theirs_to_say
from vod_shared.failpoints import Failpoints
from vod_shared.logging import redact_text
from vod_shared.metrics import OUTCOMES, UNKNOWN_TYPE as UNKNOWN, NoMetrics, ServiceMetrics, \
    event_type_label
from vod_shared.outbox import Publish
from vod_shared.stopping import stop_if_cancelled
from vod_shared.turns import take_turn
from vod_shared.unit_of_work import SqlUnitOfWork

Handler = Callable[[Envelope, SqlUnitOfWork], Awaitable[None]]
# Failures of the store or the network, not of the record: retried until they pass.
TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
log = structlog.get_logger("vod.consumer")
# The outcomes counted in vod_events_handled_total
APPLIED, DUPLICATE, DEAD_LETTERED = OUTCOMES
_LARGEST_CHUNK = 1 << 16  # in effect the whole batch, whatever CONSUMER_BATCH_SIZE says


class NotYet(Exception):
    """Raised by a handler for an event that needs something not arrived yet (a person's data
    key, which travels on ``vod.keys``): retried for up to ``not_yet_s``, then parked in the
    dead letters (to be replayed once it has come)."""


class Unprocessable(Exception):
    """Raised by a handler for an event that no retry can fix: it goes to the dead letters."""


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()


class DeadLetters:
    def __init__(self, publish: Publish, *, consumer: str, retry_s: float = 1.0,
                 keep_value: bool = True, metrics: ServiceMetrics | NoMetrics | None = None) -> None:
        self._publish = publish
        self._metrics = metrics or NoMetrics()
        # False for data keys: the record's place and the reason are parked, never its value
        self._keep_value = keep_value
        self._consumer = consumer
        self._retry_s = retry_s

    async def send(self, record: Record, reason: str) -> None:
        """Publishes the original record to ``<topic>.dlq``; waits until the broker has it."""
        headers = {name: (value or b"").decode("utf-8", "replace") for name, value in record.headers}
        headers.update({
            "dlq-reason": redact_text(reason)[:1000],
            "dlq-consumer": self._consumer,
            "dlq-original-topic": record.topic,
            "dlq-original-partition": str(record.partition),
            "dlq-original-offset": str(record.offset),
            "dlq-failed-at": datetime.now(timezone.utc).isoformat(),
        })
        while True:  # the offset must not move past a record that is neither applied nor parked
            stop_if_cancelled()
            try:
                value = (record.value or b"") if self._keep_value else b""
                await self._publish(f"{record.topic}.dlq", record.key or b"", value, headers)
                log.warning("event.dead_lettered", topic=record.topic, offset=record.offset,
                            reason=headers["dlq-reason"])
                self._metrics.dead_lettered(record.topic)
                return
            except Exception as exc:
                stop_if_cancelled(exc)
                log.error("dead_letter.publish_failed", error=type(exc).__name__)
                await asyncio.sleep(self._retry_s)


class EventConsumer:
    def __init__(self, *, name: str, uow: Callable[[], SqlUnitOfWork],
                 handlers: Mapping[type[EventData], Handler], dead_letters: DeadLetters,
                 max_attempts: int = 5, backoff_s: float = 0.5,
                 failpoints: Failpoints | None = None,
                 owner_of: Callable[[str], str | None] | None = None,
                 not_yet_s: float = 60.0,
                 metrics: ServiceMetrics | NoMetrics | None = None,
                 ramp: "Ramp | None" = None,
                 concerns: Callable[[Record], bool] | None = None) -> None:
        self.name = name
        # False for a record that is plainly another consumer's (by its Kafka key): passed over
        # before it is read, and never put in the inbox
        self._concerns = concerns
        self._ramp = ramp or Ramp()
        self.metrics = metrics or NoMetrics()
        self._not_yet_s = not_yet_s
        # topic -> the CloudEvent source of the one service that may publish on it
        self._owner_of = owner_of or (lambda topic: None)
        self._uow = uow
        self._handlers = dict(handlers)
        self._handled_names = {model.event_name for model in handlers}
        self.dead_letters = dead_letters
        self._max_attempts = max_attempts
        self._backoff_s = backoff_s
        self._failpoints = failpoints or Failpoints(None)

    def concerns(self, record: Record) -> bool:
        """False for a record plainly another consumer's (by its Kafka key): passed over
        unread, never in the inbox, never parked."""
        return self._concerns is None or self._concerns(record)

    async def consume(self, record: Record) -> None:
        await self.consume_batch([record])

    async def consume_batch(self, records: Sequence[Record]) -> None:
        """Handles ``records`` in order: those to apply in one transaction, split at a record
        that fails, which alone is retried or parked (the offsets are the caller's to commit).
        After a quiet spell the first transactions are small (``Ramp``)."""
        ready: list[Ready] = []
        for record in filter(self.concerns, records):
            await take_turn()
            started = time.monotonic()
            checked = await self._check(record)
            if isinstance(checked, Ready):
                ready.append(checked)
            elif checked[1] is not None:
                self.metrics.handled(*checked, time.monotonic() - started)
        for chunk in self._ramp.chunks(ready):
            await self._apply_all(chunk)
            for item in chunk:
                self.metrics.handled(item.type_name, item.outcome, item.seconds)

    async def _check(self, record: Record) -> "Ready | tuple[str, str | None]":
        """A record ready to apply, or what became of it: its type (for the metrics:
        ``unknown`` unless one of ours) and the outcome (dead_lettered; None: not this
        consumer's concern)."""
        if record.value is None:
            return UNKNOWN, None  # a tombstone on a compacted topic: what it deletes is not an event
        try:
            event = read_cloudevent(record.value)
        except UndecodableEvent as exc:
            await self.dead_letters.send(record, f"undecodable: {exc}")
            return UNKNOWN, DEAD_LETTERED
        if not self._handles(event.get_type()):
            return UNKNOWN, None  # another service's concern: not even its data is checked here
        type_name = event_type_label(event.get_type())
        owner = self._owner_of(record.topic)
        if owner is not None and event.get_source() != owner:
            # Anyone who can write to the broker could otherwise withdraw a victim's case.
            claimed = str(event.get_source())[:80]
            await self.dead_letters.send(record, f"not from the topic's owner: source {claimed!r},"
                                                 f" expected {owner!r}")
            return type_name, DEAD_LETTERED
        try:
            envelope = validated(event)
        except UnknownEventType as exc:
            await self.dead_letters.send(record, f"unknown event version {exc.args[0]!r}")
            return type_name, DEAD_LETTERED
        except UndecodableEvent as exc:
            await self.dead_letters.send(record, f"undecodable: {exc}")
            return type_name, DEAD_LETTERED
        refused = not_theirs_to_say(owner, envelope.data) if owner is not None else None
        if refused is not None:
            await self.dead_letters.send(record, f"not the topic's owner's to say: {refused}")
            return type_name, DEAD_LETTERED
        return Ready(record, envelope, self._handlers[type(envelope.data)], type_name)

    def _handles(self, type_name: str) -> bool:
        """A type this consumer has a handler for, or a version of one it does not know yet
        (parked, not skipped: a newer producer's events must not vanish)."""
        try:
            return model_for(type_name) in self._handlers
        except UnknownEventType:
            parts = type_name.split(".")
            return len(parts) == 3 and parts[1] in self._handled_names

    async def _apply_all(self, items: list["Ready"]) -> None:
        """Applies ``items`` together; when one fails, those before it are applied together,
        it alone (retried, waited for or parked as ``_apply`` does), then those after it."""
        transient_delay = self._backoff_s
        while len(items) > 1:
            stop_if_cancelled()
            started = time.monotonic()
            try:
                await self._apply_together(items)
            except BatchFailed as failed:
                stop_if_cancelled(failed)
                if isinstance(failed.__cause__, TRANSIENT):
                    # The store or the network is away, not a record at fault: wait for them.
                    log.warning("batch.waiting_for_store", error=type(failed.__cause__).__name__,
                                retry_in_s=transient_delay, size=len(items))
                    await asyncio.sleep(transient_delay)
                    transient_delay = min(transient_delay * 2, 30.0)
                    continue
                at = failed.index if failed.index is not None else len(items) // 2
                log.info("batch.split", size=len(items), at=at,
                         error=_describe(failed.__cause__))
                await self._apply_all(items[:at])
                if failed.index is None:  # the commit failed: no telling which record did it
                    items = items[at:]
                    continue
                await self._apply_all(items[at:at + 1])
                items = items[at + 1:]
                continue
            each = (time.monotonic() - started) / len(items)
            for item in items:
                item.seconds = each
            return
        for item in items:
            started = time.monotonic()
            with _bound(item.envelope):
                item.outcome = await self._apply(item.record, item.envelope, item.handler)
            item.seconds = time.monotonic() - started

    async def _apply_together(self, items: list["Ready"]) -> None:
        """One transaction for ``items``: one statement for their inbox rows, each handler's
        writes flushed after it (a failure is then its own), one commit."""
        async with self._uow() as uow:
            try:
                await uow.serialize_on_all(item.envelope.subject for item in items)
                first_times = await uow.first_time_seen_all(
                    self.name, [item.envelope for item in items])
                prepare = getattr(uow, "prepare", None)  # a unit of work of ours has it
                if prepare is not None:
                    await prepare([item.envelope for item, first_time in zip(items, first_times)
                                   if first_time])
            except Exception as exc:
                raise BatchFailed(None) from exc
            for index, (item, first_time) in enumerate(zip(items, first_times)):
                item.outcome = APPLIED if first_time else DUPLICATE
                if not first_time:
                    continue
                # a batch's records one after another on the loop: others get turns between
                # them, not only once the whole batch is done (vod_shared.turns)
                await take_turn()
                try:
                    with _bound(item.envelope):
                        await item.handler(item.envelope, uow)
                        await uow.session.flush()
                except Exception as exc:
                    raise BatchFailed(index) from exc
                self._failpoints.hit(f"{self.name}.consumer.in_batch")
            try:
                await uow.commit()
            except Exception as exc:
                raise BatchFailed(None) from exc
        self._failpoints.hit(f"{self.name}.consumer.after_commit")
        for item in items:
            with _bound(item.envelope):
                log.info("event.applied" if item.outcome == APPLIED else "event.duplicate_ignored")

    async def _apply(self, record: Record, envelope: Envelope, handler: Handler) -> str:
        attempt, transient_delay, waited, waits = 0, self._backoff_s, 0.0, 0
        while True:
            stop_if_cancelled()
            try:
                applied = await self._apply_once(envelope, handler)
            except Unprocessable as exc:
                stop_if_cancelled(exc)
                await self.dead_letters.send(record, f"unprocessable: {exc}")
                return DEAD_LETTERED
            except NotYet as exc:
                stop_if_cancelled(exc)
                if waited >= self._not_yet_s:
                    await self.dead_letters.send(
                        record, f"waited {waited:.0f} s for what it needs: {_describe(exc)}")
                    return DEAD_LETTERED
                delay = min(0.1 * 2 ** min(waits, 6), 5.0)
                waits += 1
                if waits in (1, 10):
                    log.info("event.waiting_for_key", error=_describe(exc))
                await asyncio.sleep(delay)
                waited += delay
                continue
            except TRANSIENT as exc:
                stop_if_cancelled(exc)
                # The store or the network is away: the record is fine. Wait for them, however
                # long, rather than park good events (and apply them out of order later).
                log.warning("event.waiting_for_store", error=type(exc).__name__,
                            retry_in_s=transient_delay)
                await asyncio.sleep(transient_delay)
                transient_delay = min(transient_delay * 2, 30.0)
                continue
            except Exception as exc:
                stop_if_cancelled(exc)
                attempt += 1
                reason = _describe(exc)
                if attempt >= self._max_attempts:
                    await self.dead_letters.send(
                        record, f"failed after {attempt} attempts: {reason}")
                    return DEAD_LETTERED
                log.warning("event.retrying", attempt=attempt, error=reason)
                await asyncio.sleep(self._backoff_s * 2 ** (attempt - 1))
                continue
            self._failpoints.hit(f"{self.name}.consumer.after_commit")
            log.info("event.applied" if applied else "event.duplicate_ignored")
            return APPLIED if applied else DUPLICATE

    async def _apply_once(self, envelope: Envelope, handler: Handler) -> bool:
        async with self._uow() as uow:
            await uow.serialize_on(envelope.subject)
            if not await uow.first_time_seen(self.name, envelope):
                return False
            await handler(envelope, uow)
            await uow.commit()
            return True


class Ramp:
    """The sizes of a consumer's transactions: after ``quiet_s`` with nothing to apply, the
    next records go 1, then 2, 4... at a time, up to whole batches. The first record of a
    burst (an escape, whose texts wait for it) then commits, and its events leave, without
    waiting for the work of the 99 behind it; a busy consumer keeps its large transactions."""

    def __init__(self, *, quiet_s: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._quiet_s, self._clock = quiet_s, clock
        self._size = 1
        self._last = float("-inf")  # when records were last applied

    def chunks(self, items: list) -> Iterator[list]:
        """``items`` in order, in consecutive chunks of the sizes due."""
        if items and self._clock() - self._last > self._quiet_s:
            self._size = 1
        start = 0
        while start < len(items):
            chunk = items[start:start + self._size]
            start += len(chunk)
            yield chunk
            self._size = min(2 * self._size, _LARGEST_CHUNK)
            self._last = self._clock()


@dataclass(eq=False)
class Ready:
    """A record checked and ready to apply, and then what became of it."""
    record: Record
    envelope: Envelope
    handler: Handler
    type_name: str
    outcome: str = ""
    seconds: float = 0.0


class BatchFailed(Exception):
    """A batch's transaction failed at its ``index``-th record (None: not one record's doing,
    such as the commit); the cause is chained."""

    def __init__(self, index: int | None) -> None:
        super().__init__(index)
        self.index = index


def _bound(envelope: Envelope):
    return structlog.contextvars.bound_contextvars(
        event_id=envelope.id, event_type=envelope.type, subject=envelope.subject)


def _describe(exc: Exception) -> str:
    """The kind of failure, never its message: messages can quote the data (a name, a note)."""
    if isinstance(exc, ValidationError):
        fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors())
        return f"ValidationError on {fields}"
    return type(exc).__name__
