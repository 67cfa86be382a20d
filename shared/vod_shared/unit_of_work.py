"""The unit of work every service builds on: one database transaction holding the state
change, the events it emits (the outbox) and the ids of the events it applied (the inbox).

It rolls back unless committed. A service subclasses it to add its repositories.
"""
import hashlib
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timezone

from sqlalchemy import event, insert, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vod_shared.db import inbox, insert_or_ignore, outbox
from vod_shared.envelope import Envelope, new_envelope, to_kafka
from vod_shared.events.base import EventData
from vod_shared.outbox import TOMBSTONE
from vod_shared.turns import take_turn

# In a session's info once its transaction has written (SQLite: it holds the store's one write
# lock until it ends, so a repository need not write to take it)
HOLDS_WRITE_LOCK = "vod.holds_write_lock"
# The advisory lock space of "one subject at a time" (beside the relay's and the migrations')
_SUBJECT_LOCKS = 0x564F4453


# Built once: SQLAlchemy then reuses its cache key on every commit
_INSERT_OUTBOX = insert(outbox)

# In a session's info while its inserts made with ``insert_later`` are kept back
_DEFERRED = "vod.deferred_inserts"


async def insert_later(session: AsyncSession, statement, params: dict) -> None:
    """``session.execute(statement, params)``, or, while the unit of work defers inserts (a
    consumer's batch), kept back and written with the others of its kind in one statement
    before the session's next statement of any kind (a read sees it) or the commit. Only for
    inserts whose outcome (a rowcount, an id) nobody reads, into tables without foreign keys
    between them (the kinds are written one after the other, not in the order they came)."""
    deferred = session.info.get(_DEFERRED)
    if deferred is None:
        await session.execute(statement, params)
    else:
        deferred.setdefault((statement, tuple(params)), (statement, []))[1].append(params)


def defers_inserts(session: AsyncSession) -> bool:
    """Whether ``insert_later`` keeps this session's inserts back now."""
    return session.info.get(_DEFERRED) is not None


def _write_deferred(state) -> None:
    """``do_orm_execute``: what was kept back goes first (inside the session's greenlet)."""
    deferred = state.session.info.get(_DEFERRED)
    if deferred:
        groups = list(deferred.values())
        deferred.clear()
        for statement, rows in groups:
            state.session.execute(statement, rows)


class SqlUnitOfWork:
    def __init__(self, sessions: async_sessionmaker, *, source: str,
                 on_commit: Callable[[], None] | None = None) -> None:
        self._sessions = sessions
        self._source = source
        self._on_commit = on_commit
        self._emitted = False
        # Outbox rows, written in one statement at commit (in the order they were emitted)
        self._outgoing: list[dict] = []
        self.session: AsyncSession

    async def __aenter__(self):
        await take_turn()  # on SQLite it runs to its commit in one step: see vod_shared.turns
        self.session = self._sessions()
        self._emitted = False
        self._outgoing = []
        self.on_enter()
        return self

    def on_enter(self) -> None:
        """Subclasses create their repositories on ``self.session`` here."""

    async def __aexit__(self, *exc_info) -> None:
        self._outgoing = []
        self.session.info.pop(_DEFERRED, None)
        await self.session.close()  # rolls back whatever was not committed

    def defer_inserts(self) -> None:
        """Until this unit of work ends, ``insert_later`` keeps inserts back and writes those
        of one kind together (see there): a consumer's batch then writes one statement per
        table rather than one per record. A failure surfaces at a later statement or the
        commit, where the consumer splits the batch down to the record at fault."""
        if _DEFERRED not in self.session.info:
            self.session.info[_DEFERRED] = {}
            event.listen(self.session.sync_session, "do_orm_execute", _write_deferred)

    async def write_deferred(self) -> None:
        deferred = self.session.info.get(_DEFERRED)
        if deferred:
            groups = list(deferred.values())
            deferred.clear()
            for statement, rows in groups:
                await self.session.execute(statement, rows)

    async def commit(self) -> None:
        await self.write_deferred()
        await self.write_outbox()
        await self.session.commit()
        if self._emitted and self._on_commit:
            self._on_commit()

    async def rollback(self) -> None:
        self._outgoing = []
        if self.session.info.get(_DEFERRED):
            self.session.info[_DEFERRED] = {}
        self.session.info.pop(HOLDS_WRITE_LOCK, None)
        await self.session.rollback()

    async def write_outbox(self) -> None:
        """Writes the events emitted so far to the outbox (``commit`` does it)."""
        rows, self._outgoing = self._outgoing, []
        if rows:
            await self.session.execute(_INSERT_OUTBOX, rows)

    async def emit(self, data: EventData, *, topic: str, subject: str,
                   event_id: str | None = None) -> Envelope:
        """Records an event in the outbox; it is published once this transaction commits."""
        envelope = new_envelope(data, source=self._source, subject=subject, event_id=event_id)
        record = to_kafka(envelope)
        self._outgoing.append(dict(
            event_id=envelope.id, topic=topic, key=envelope.subject, event_type=envelope.type,
            value=record.value, created_at=datetime.now(timezone.utc), attempts=0,
        ))
        self._emitted = True
        return envelope

    async def prepare(self, envelopes: list[Envelope]) -> None:
        """Called by a consumer with the events of a batch it is about to apply in this
        transaction, before their handlers: a service may load in a few statements what the
        handlers will read one by one. Nothing by default."""

    async def serialize_on(self, subject: str | None) -> None:
        """Waits until no other transaction of this service handles ``subject`` (a case id, a
        person id): with several copies of a service, events about one case arrive on several
        topics and may be handled by two copies at once; each must see what the other did.
        PostgreSQL: a transaction-scoped advisory lock; SQLite serialises writers already
        (the inbox insert that follows takes its write lock)."""
        if not subject or self.session.bind.dialect.name != "postgresql":
            return
        await self.session.execute(text("SELECT pg_advisory_xact_lock(:space, :key)"),
                                   {"space": _SUBJECT_LOCKS, "key": _lock_key(subject)})

    async def serialize_on_all(self, subjects: Iterable[str | None]) -> None:
        """``serialize_on`` for every subject of a batch, in one statement. The locks are taken
        in the order of their keys, so two batches sharing subjects never wait for each other
        in a circle."""
        if self.session.bind.dialect.name != "postgresql":
            return
        keys = sorted({_lock_key(subject) for subject in subjects if subject})
        if keys:
            await self.session.execute(text(
                "SELECT count(pg_advisory_xact_lock(:space, k)) FROM "
                "(SELECT unnest(CAST(:keys AS integer[])) AS k ORDER BY k) AS in_order"),
                {"space": _SUBJECT_LOCKS, "keys": keys})

    async def emit_tombstone(self, *, topic: str, key: str) -> None:
        """Records a tombstone for ``key`` on a compacted topic (published as a null value once
        this transaction commits): compaction then removes every earlier record of that key."""
        self._outgoing.append(dict(
            event_id=f"tombstone-{uuid.uuid4().hex}", topic=topic, key=key,
            event_type=TOMBSTONE, value=b"", created_at=datetime.now(timezone.utc), attempts=0,
        ))
        self._emitted = True

    async def first_time_seen(self, consumer: str, envelope: Envelope) -> bool:
        """Records that ``consumer`` applied this event; False if it already had."""
        added = await self.session.execute(
            insert_or_ignore(self.session, inbox, "consumer", "event_id").values(
                consumer=consumer, event_id=envelope.id, event_type=envelope.type,
                processed_at=datetime.now(timezone.utc)))
        self.session.info[HOLDS_WRITE_LOCK] = True
        return added.rowcount == 1

    async def first_time_seen_all(self, consumer: str, envelopes: list[Envelope]) -> list[bool]:
        """``first_time_seen`` for a batch in one statement: for each envelope, in order,
        whether it is new (a second copy of an id within the batch is not)."""
        now = datetime.now(timezone.utc)
        statement = insert_or_ignore(self.session, inbox, "consumer", "event_id") \
            .returning(inbox.c.event_id)
        added = set((await self.session.execute(statement, [
            dict(consumer=consumer, event_id=envelope.id, event_type=envelope.type,
                 processed_at=now) for envelope in envelopes])).scalars())
        self.session.info[HOLDS_WRITE_LOCK] = True
        new = []
        for envelope in envelopes:
            new.append(envelope.id in added)
            added.discard(envelope.id)
        return new


def _lock_key(subject: str) -> int:
    return int.from_bytes(hashlib.blake2b(subject.encode(), digest_size=4).digest(), "big",
                          signed=True)
