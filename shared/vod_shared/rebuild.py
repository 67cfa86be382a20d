"""Rebuilding a service's read models from the topics, without side effects.

A read model is a table derived only from events (screening's timeline, notifications' facts
about cases and people). ``rebuild`` reads the topics from the beginning under a consumer group
of its own (``<group>-rebuild-<UTC time>``), applies each event as a *fact* through the
service's ``Projection`` into fresh, empty copies of the tables (a schema of their own on
PostgreSQL, an attached file on SQLite), and, once caught up, swaps them in: in one transaction
it holds the live tables against writers, applies what came meanwhile, empties the live tables
and fills them from the fresh ones. Nothing is decided again, no id is made, no outbox row or
message is recorded: a projection writes only to the fresh tables.

Which events to apply is what the service itself applied: an event on a topic it consumes is
applied if its inbox holds the id (so a dead-lettered one is not), in the order the service
applied them (the inbox's ``processed_at``); its own events (``own_topics``) always, at the time
they were emitted. What the live service applies during the rebuild lands in the live tables
after the swap (they keep their names), and the inbox makes that harmless.
"""
import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Protocol

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.db import inbox
from vod_shared.envelope import Envelope, UndecodableEvent, read_cloudevent, validated
from vod_shared.events.base import UnknownEventType
from vod_shared.events.case import not_theirs_to_say
from vod_shared.fresh_tables import FreshTables, Live
from vod_shared.kafka_clients import running
from vod_shared.settings import ServiceSettings
from vod_shared.topics import REBUILD_GROUP_INFIX, Topics

log = structlog.get_logger("vod.rebuild")
# How long the broker may hand over nothing while records are still due
STALL_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Fact:
    """An event the service applied, and when (its inbox; its own: when emitted)."""

    envelope: Envelope
    topic: str
    moment: datetime


class Projection(Protocol):
    """What a service rebuilds and how it applies one fact to the fresh tables."""

    tables: Sequence[Table]   # rebuilt, then swapped in
    scratch: Sequence[Table]  # created empty beside them (a projection's repositories touch them)
    own_topics: Sequence[str]
    kinds: frozenset[type]  # the events it applies (others on the topics are not its concern)

    async def apply(self, fact: Fact, session: AsyncSession, live: Live) -> None: ...

    async def finish(self, session: AsyncSession, live: Live) -> None: ...


@dataclass
class Report:
    group: str
    read: int = 0
    applied: int = 0
    not_applied_live: int = 0  # not (yet) in the service's inbox: dead-lettered, or still to come
    unreadable: int = 0
    rows: dict[str, int] = field(default_factory=dict)


class TopicReader:
    """Reads ``topics`` from the beginning under ``group``, in batches up to the end offsets
    taken at each ``read_to_end``; ``commit`` records the positions reached for the group."""

    def __init__(self, settings: ServiceSettings, topics: Sequence[str], group: str) -> None:
        self._topics = list(topics)
        self._options = {"bootstrap_servers": settings.kafka_bootstrap_servers,
                         **settings.kafka_client_options()}
        self._group = group
        self._consumer: AIOKafkaConsumer | None = None
        self._partitions: list[TopicPartition] = []

    async def start(self) -> None:
        admin = AIOKafkaAdminClient(**self._options)
        async with running(admin):
            described = {d["topic"]: d for d in await admin.describe_topics(self._topics)}
        for topic in self._topics:
            if topic not in described or described[topic]["error_code"]:
                raise RuntimeError(f"no topic {topic!r} on the broker")
            self._partitions += [TopicPartition(topic, p["partition"]) for p in sorted(
                described[topic]["partitions"], key=lambda p: p["partition"])]
        self._consumer = AIOKafkaConsumer(group_id=self._group, enable_auto_commit=False,
                                          auto_offset_reset="earliest", **self._options)
        await self._consumer.start()
        self._consumer.assign(self._partitions)
        await self._consumer.seek_to_beginning(*self._partitions)

    async def read_to_end(self) -> list:
        ends = await self._consumer.end_offsets(self._partitions)
        records, loop = [], asyncio.get_running_loop()
        deadline = loop.time() + STALL_TIMEOUT_S
        remaining = {tp for tp in self._partitions if await self._consumer.position(tp) < ends[tp]}
        while remaining:
            if loop.time() > deadline:
                raise TimeoutError(f"the broker handed over nothing for {STALL_TIMEOUT_S:.0f} s")
            batch = await self._consumer.getmany(*remaining, timeout_ms=500)
            if batch:
                deadline = loop.time() + STALL_TIMEOUT_S
            for tp, found in batch.items():
                records += [r for r in found if r.offset < ends[tp]]
            for tp in list(remaining):
                if await self._consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
        return records

    async def commit(self) -> None:
        await self._consumer.commit()

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()


class Rebuild:
    def __init__(self, settings: ServiceSettings, projection: Projection,
                 topics: Sequence[str], *, consumer: str | None = None,
                 reader=None) -> None:
        self._settings, self._projection = settings, projection
        self._topics = list(topics)
        self._consumer_name = consumer or settings.service_name
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S") + uuid.uuid4().hex[:4]
        self.report = Report(group=f"{settings.consumer_group}{REBUILD_GROUP_INFIX}{stamp}")
        self._fresh = FreshTables(settings.effective_database_url(), projection, stamp)
        self._waiting: list[tuple[Envelope, str, datetime]] = []  # not in the inbox yet
        self._owners = Topics(settings.topic_prefix).owner_source
        self._reader = reader or TopicReader(settings, self._topics, self.report.group)

    async def run(self) -> Report:
        reader = self._reader
        await self._fresh.create()
        try:
            await reader.start()
            log.info("rebuild.started", group=self.report.group, topics=self._topics)
            async with self._fresh.session() as session:
                live = await self._fresh.live(session)
                await self._apply(await reader.read_to_end(), session, live)
                await session.commit()
            async with self._fresh.session() as session:  # caught up: the swap
                live = await self._fresh.live(session)
                await self._fresh.hold(session, live)
                await self._apply(await reader.read_to_end(), session, live)
                await self._projection.finish(session, live)
                self.report.rows = await self._fresh.swap(session, live)
                await session.commit()
            await reader.commit()
            log.info("rebuild.swapped", group=self.report.group, rows=self.report.rows,
                     applied=self.report.applied)
            return self.report
        finally:
            await reader.stop()
            await self._fresh.drop()

    async def _apply(self, records: list, session: AsyncSession, live: Live) -> None:
        self.report.read += len(records)
        applied_at = {row.event_id: _utc(row.processed_at) for row in (await session.execute(
            select(live(inbox).c.event_id, live(inbox).c.processed_at).where(
                live(inbox).c.consumer == self._consumer_name))).all()}
        candidates, self._waiting = self._waiting, []
        for record in records:
            envelope = self._read(record)
            if envelope is not None and type(envelope.data) in self._projection.kinds:
                candidates.append((envelope, record.topic, _utc_ms(record.timestamp)))
        facts = []
        for envelope, topic, published in candidates:
            if topic in self._projection.own_topics:
                facts.append(Fact(envelope, topic, _utc(envelope.time)))
            elif envelope.id in applied_at:
                facts.append(Fact(envelope, topic, applied_at[envelope.id]))
            else:
                self._waiting.append((envelope, topic, published))
        for fact in sorted(facts, key=lambda f: f.moment):
            await self._projection.apply(fact, session, live)
        self.report.applied += len(facts)
        self.report.not_applied_live = len(self._waiting)

    def _read(self, record) -> Envelope | None:
        """The record's event, if the live consumer could have applied it (decodable, a known
        type, from the topic's owner)."""
        if record.value is None:
            return None
        try:
            event = read_cloudevent(record.value)
            owner = self._owners(record.topic)
            if owner is not None and event.get_source() != owner:
                raise UndecodableEvent("not from the topic's owner")
            envelope = validated(event)
            if owner is not None and not_theirs_to_say(owner, envelope.data) is not None:
                raise UndecodableEvent("not the topic's owner's to say")
            return envelope
        except (UndecodableEvent, UnknownEventType):
            self.report.unreadable += 1
            return None


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _utc_ms(milliseconds: int) -> datetime:
    return datetime.fromtimestamp(milliseconds / 1000, tz=timezone.utc)


def print_report(report: Report, out) -> None:
    print(f"rebuilt under consumer group {report.group}: read {report.read} records, "
          f"applied {report.applied} events", file=out)
    if report.not_applied_live:
        print(f"  {report.not_applied_live} events the service has not applied (dead-lettered, "
              f"or still to come: the service applies those itself)", file=out)
    for table, rows in report.rows.items():
        print(f"  {table}: {rows} rows", file=out)


def rebuild_command(settings_class, projection_for, *, argv: list[str] | None = None,
                    doc: str = "") -> int:
    """``python -m <service>.rebuild``: rebuilds, swaps in, prints what was done."""
    import argparse
    import sys

    from vod_shared.logging import configure_logging

    name = settings_class.service_name
    argparse.ArgumentParser(prog=f"python -m {name}.rebuild",
                            description=doc.split("\n")[0]).parse_args(argv)
    settings = settings_class()
    configure_logging(service=name, fmt=settings.log_format,
                      level=settings.log_level)  # on stderr: stdout says what was done
    projection = projection_for(settings.topics)
    try:
        report = asyncio.run(Rebuild(settings, projection, projection.topics).run())
    except Exception as exc:  # the live tables are as they were: the swap is one transaction
        log.exception("rebuild.failed")
        print(f"{name}: not rebuilt ({type(exc).__name__}: {exc}); the live tables are "
              f"unchanged", file=sys.stderr)
        return 1
    print_report(report, sys.stdout)
    return 0
