"""The deliveries table: what is to be sent, what was, and what became of it.

Every change of state is a compare-and-set on the current status, so two senders (or a sender
and a late retry) can never both act on one row.
"""
import json
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from vod_shared.db import insert_or_ignore
from vod_shared.events import Channel
from vod_shared.unit_of_work import defers_inserts, insert_later

from notifications.adapters.orm import contacts, deliveries
from notifications.adapters.repository import as_utc, utc
from notifications.domain.delivery import Delivery, Status
from notifications.domain.model import Notice
from notifications.domain.staff import STAFF_MAILBOX

d = deliveries.c


# A pending delivery held because its recipient's data key has not arrived (a reason code):
# those after it to the same person on the same channel wait behind it
WAITING_FOR_KEY = "waiting_for_key"


class _Unindexed(ColumnElement):
    """A column SQLite must not reach through an index for this term (its unary ``+``).

    Without statistics SQLite takes an equality on the status (an index begins with it) for
    more selective than ``id IN (...)`` of a few dozen ids, and walked every pending row to
    claim a batch (2.1 ms a claim of 50 with 4,000 pending, 0.5 by the ids). PostgreSQL plans
    from its statistics: the column as it is."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column) -> None:
        self.column, self.type = column, column.type

    @property
    def _from_objects(self) -> list:  # its table, for a statement with no other FROM
        return self.column._from_objects


@compiles(_Unindexed)
def _as_it_is(element, compiler, **kw):
    return compiler.process(element.column, **kw)


@compiles(_Unindexed, "sqlite")
def _unary_plus(element, compiler, **kw):
    return "+" + compiler.process(element.column, **kw)


# A status checked beside ``id IN (...)``, a recipient or a case: those find the rows
_STATUS_BESIDE_IDS = _Unindexed(d.status)


def _not_in_lanes(lanes: Iterable[tuple[str, str]]) -> list:
    """Conditions leaving out the rows of these (recipient, channel) pairs, one per channel."""
    by_channel: dict[str, list[str]] = {}
    for recipient_id, channel in lanes:
        by_channel.setdefault(channel, []).append(recipient_id)
    return [~and_(d.channel == channel, d.recipient_id.in_(recipients))
            for channel, recipients in by_channel.items()]


def _narrowed(channel: str | None, urgent_only: bool) -> list:
    return ([d.channel == channel] if channel else []) + ([d.urgent.is_(True)] if urgent_only
                                                          else [])


def _due_statement(backlog: bool = False):
    """Pending rows due by ``:now`` whose recipient's contact has arrived (or the staff
    mailbox's), not waiting behind an older one to the same person on the same channel. With
    ``backlog``, written so that SQLite walks ``ix_deliveries_queue`` (the times out of its
    reach); without, so that it goes by ``ix_deliveries_due`` (the order out of its reach):
    see _DUE."""
    earlier = deliveries.alias("earlier")
    blocked = select(earlier.c.seq).where(
        earlier.c.recipient_id == d.recipient_id, earlier.c.channel == d.channel,
        earlier.c.seq < d.seq,
        or_(earlier.c.status == Status.SENDING.value,
            and_(earlier.c.status == Status.PENDING.value,
                 or_(earlier.c.attempts > 0, earlier.c.reason == WAITING_FOR_KEY))),
    ).exists()
    due_at, urgent = (_Unindexed(d.due_at), d.urgent) if backlog else (d.due_at,
                                                                         _Unindexed(d.urgent))
    return (select(deliveries).outerjoin(contacts, contacts.c.person_id == d.recipient_id)
            .where(d.status == Status.PENDING.value, due_at <= bindparam("now"), ~blocked,
                   or_(contacts.c.person_id.is_not(None), d.recipient_id == STAFF_MAILBOX))
            .order_by(urgent.desc(), d.seq))


# Built once: the sender reads due rows several times a second in a fan-out, and building
# this statement (an alias, a subquery, a list of lanes turned into literals) cost more CPU
# than running it. One channel's rows, leaving out the recipients of its lanes at work
# (``:besides``), all of them or only urgent ones.
_DUE_ANY = _due_statement()
_CHANNEL_NOW = d.channel == bindparam("channel")

# Two ways to the same rows, each the cheaper one in its case. A backlog (a fan-out: thousands
# due) walks ``ix_deliveries_queue``, in the order wanted, and stops at the limit: through the
# times it read and sorted every due row, each with its check of an older one in the way (4.4
# ms a read with 2,000 due, 0.8 walking). A few due among many that are not (reminders weeks
# ahead, held for the night) go by ``ix_deliveries_due``'s times: a walk passes over every row
# not due yet (20,000 of them: 4.2 ms a read, 0.35 by the times). One count of at most
# _BACKLOG due rows tells which. SQLite has no statistics to choose with: each statement leaves
# it one index to use (see _due_statement); PostgreSQL plans both from its own.
_BACKLOG = 200
_DUE_COUNT = select(func.count()).select_from(
    select(d.seq).where(d.status == Status.PENDING.value, _CHANNEL_NOW,
                        d.due_at <= bindparam("now")).limit(_BACKLOG).subquery())
_DUE = {(urgent_only, backlog): _due_statement(backlog).where(
    _CHANNEL_NOW, d.recipient_id.not_in(bindparam("besides", expanding=True)),
    *_narrowed(None, urgent_only))
    for urgent_only in (False, True) for backlog in (False, True)}


# The claims' and records' statements, built once (as _DUE): in a fan-out they run for every
# transaction of the sender, and building one (and its cache key) cost about as much CPU as
# running it. The ids are an expanding parameter; ``:now`` a bound one.
_NOW = bindparam("now", type_=d.sending_since.type)
_BY_IDS = select(deliveries).where(d.id.in_(bindparam("ids", expanding=True)))
_CLAIM = (update(deliveries)
          .where(d.id.in_(bindparam("ids", expanding=True)),
                 _STATUS_BESIDE_IDS == Status.PENDING.value)
          .values(status=Status.SENDING.value, sending_since=_NOW, attempts=d.attempts + 1,
                  first_attempt_at=func.coalesce(d.first_attempt_at, _NOW))
          .returning(d.id))


# A record's statements have one shape whatever the number of rows: a statement built for each
# number of rows (one CASE arm and two parameters a row) kept one compiled form per number in
# SQLAlchemy's cache, some 20 MB for every number from 1 to 100, and a burst meets many.
_FINISH_SENT = (update(deliveries)
                .where(d.id.in_(bindparam("ids", expanding=True)),
                       _STATUS_BESIDE_IDS.in_((Status.SENDING.value, Status.UNKNOWN.value)))
                .values(status=Status.SENT.value, finished_at=_NOW, reason=None,
                        sending_since=None)
                .returning(d.id))
_PROVIDER_ID = (update(deliveries).where(d.id == bindparam("delivery"))
                .values(provider_id=bindparam("provider")))


class Deliveries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def plan(self, notice: Notice, *, cause_event_id: str, now: datetime,
                   status: Status = Status.PENDING) -> int:
        """Records the notice once per channel; a row already there (a replay) is left alone."""
        return await self.plan_all([notice], cause_event_id=cause_event_id, now=now,
                                   status=status)

    async def plan_all(self, notices: Iterable[Notice], *, cause_event_id: str, now: datetime,
                       status: Status = Status.PENDING) -> int:
        """``plan`` for many notices (a custody change's fan-out) in one statement, in order.
        In a consumer's batch they are written with the batch's others, before its next
        statement (``insert_later``): then 0 is returned, what was added not known yet."""
        rows = [dict(
            id=str(uuid.uuid4()), cause_event_id=cause_event_id,
            recipient_id=notice.recipient_id, channel=channel.value,
            template=notice.template, subject=notice.subject, reference=notice.reference,
            language=notice.language.value, params=json.dumps(dict(notice.params)),
            urgent=notice.urgent, status=status.value,
            due_at=utc(notice.not_before or now), created_at=utc(now), attempts=0,
            follows_preference=channel == notice.preferred)
            for notice in notices for channel in notice.channels]
        if not rows:
            return 0
        statement = insert_or_ignore(self._session, deliveries)
        if defers_inserts(self._session):
            for row in rows:
                await insert_later(self._session, statement, row)
            return 0
        return (await self._session.execute(statement.values(rows))).rowcount

    async def get(self, delivery_id: str) -> Delivery | None:
        row = (await self._session.execute(select(deliveries).where(d.id == delivery_id))).first()
        return _delivery(row) if row else None

    async def get_all(self, delivery_ids: Iterable[str]) -> dict[str, Delivery]:
        """The rows of ``delivery_ids`` there are, by id, in one statement."""
        rows = await self._session.execute(_BY_IDS, {"ids": list(delivery_ids)})
        return {row.id: _delivery(row) for row in rows}

    async def due(self, now: datetime, limit: int = 100, *,
                  besides: Iterable[tuple[str, str]] = (), channel: str | None = None,
                  urgent_only: bool = False) -> list[Delivery]:
        """Pending rows whose time has come and whose recipient's contact has arrived (the
        staff mailbox needs none), oldest first per recipient and channel; a row waits while an
        older one to the same person on the same channel is being sent or retried, so each
        person gets them in order. Rows of the (recipient, channel) pairs in ``besides`` (the
        sender's lanes at work, which hold them already) are left out; ``channel`` and
        ``urgent_only`` narrow it to the rows the sender has room for."""
        if channel is not None:  # the sender's read: statements built once (see _DUE)
            due = await self._session.scalar(_DUE_COUNT, {"now": utc(now), "channel": channel})
            if not due:
                return []
            rows = await self._session.execute(
                _DUE[urgent_only, due >= _BACKLOG].limit(limit),
                {"now": utc(now), "channel": channel,
                 "besides": [r for r, of in besides if of == channel]})
            return [_delivery(row) for row in rows]
        rows = await self._session.execute(
            _DUE_ANY.where(*_not_in_lanes(besides), *_narrowed(channel, urgent_only))
            .limit(limit), {"now": utc(now)})
        return [_delivery(row) for row in rows]

    async def claim(self, delivery_id: str, now: datetime) -> bool:
        """pending -> sending, counting the attempt; False if someone else moved it first."""
        result = await self._session.execute(
            update(deliveries).where(d.id == delivery_id, d.status == Status.PENDING.value)
            .values(status=Status.SENDING.value, sending_since=utc(now), attempts=d.attempts + 1,
                    first_attempt_at=func.coalesce(d.first_attempt_at, utc(now))))
        return result.rowcount == 1

    async def claim_all(self, delivery_ids: Iterable[str], now: datetime) -> set[str]:
        """``claim`` for many rows in one statement; returns the ids this call claimed (not
        those someone else moved first)."""
        ids = list(delivery_ids)
        if not ids:
            return set()
        result = await self._session.execute(_CLAIM, {"ids": ids, "now": utc(now)})
        return set(result.scalars())

    async def finish_sent(self, provider_ids: dict[str, str | None], now: datetime) -> set[str]:
        """Rows ``sending`` (or declared unknown meanwhile: now we know better) --> sent, with
        each one's provider id (one already known is kept), in two statements of one shape
        whatever the number of rows (the status, then the provider ids given); returns the ids
        recorded."""
        if not provider_ids:
            return set()
        result = await self._session.execute(
            _FINISH_SENT, {"ids": list(provider_ids), "now": utc(now)})
        recorded = set(result.scalars())
        known = [{"delivery": delivery_id, "provider": provider_id}
                 for delivery_id, provider_id in provider_ids.items()
                 if provider_id is not None and delivery_id in recorded]
        if known:  # one statement, run for each row
            await self._session.execute(_PROVIDER_ID, known)
        return recorded

    async def finish(self, delivery_id: str, status: Status, now: datetime, *,
                     expected: Status = Status.SENDING, provider_id: str | None = None,
                     reason: str | None = None, delivered_at: datetime | None = None) -> bool:
        """``expected`` --> ``status``; a provider id already known is kept."""
        values = {"status": status.value, "finished_at": utc(now), "reason": reason,
                  "sending_since": None}
        if provider_id is not None:
            values["provider_id"] = provider_id
        if delivered_at is not None:
            values["delivered_at"] = utc(delivered_at)
        result = await self._session.execute(
            update(deliveries).where(d.id == delivery_id, d.status == expected.value)
            .values(**values))
        return result.rowcount == 1

    async def by_provider_id(self, provider_id: str) -> Delivery | None:
        row = (await self._session.execute(select(deliveries).where(
            d.provider_id == provider_id).order_by(d.seq).limit(1))).first()
        return _delivery(row) if row else None

    async def mark_delivered(self, delivery_id: str, at: datetime) -> bool:
        """A sent text reached the handset; False if that was known already."""
        result = await self._session.execute(
            update(deliveries).where(d.id == delivery_id, d.status == Status.SENT.value,
                                     d.delivered_at.is_(None))
            .values(delivered_at=utc(at)))
        return result.rowcount == 1

    async def send_again(self, delivery_id: str, now: datetime, *, reason: str) -> bool:
        """unknown --> pending, due now: staff found it was not sent. Its first attempt starts
        afresh (the retry policy's day runs from the next one)."""
        result = await self._session.execute(
            update(deliveries).where(d.id == delivery_id, d.status == Status.UNKNOWN.value)
            .values(status=Status.PENDING.value, due_at=utc(now), reason=reason,
                    finished_at=None, sending_since=None, first_attempt_at=None))
        return result.rowcount == 1

    async def for_reports(self, start: datetime, end: datetime) -> list[tuple]:
        """(template, channel, status, created_at, delivered_at) of the notices created in
        [start, end): codes and times only."""
        rows = await self._session.execute(
            select(d.template, d.channel, d.status, d.created_at, d.delivered_at).where(
                d.created_at >= utc(start), d.created_at < utc(end)))
        return [(template, channel, status, as_utc(created_at), delivered_at)
                for template, channel, status, created_at, delivered_at in rows]

    async def counts(self) -> list[tuple[str, str, int]]:
        """(status, channel, how many): the whole table, for the metrics."""
        rows = await self._session.execute(
            select(d.status, d.channel, func.count()).group_by(d.status, d.channel))
        return [(status, channel, count) for status, channel, count in rows]

    async def retry_at(self, delivery_id: str, due_at: datetime, reason: str) -> bool:
        result = await self._session.execute(
            update(deliveries).where(d.id == delivery_id, d.status == Status.SENDING.value)
            .values(status=Status.PENDING.value, due_at=utc(due_at), reason=reason,
                    sending_since=None))
        return result.rowcount == 1

    async def hold_until(self, delivery_id: str, due_at: datetime) -> None:
        await self._session.execute(
            update(deliveries).where(d.id == delivery_id, d.status == Status.PENDING.value)
            .values(due_at=utc(due_at)))

    async def hold_recipient_until(self, recipient_id: str, due_at: datetime) -> None:
        """Every pending delivery to ``recipient_id`` due before ``due_at`` waits until then,
        marked as waiting for her key (it has not arrived: none of them can go). A message
        planned for her after this waits behind them (``due``), so none overtakes another."""
        await self._session.execute(
            update(deliveries).where(d.recipient_id == recipient_id,
                                     _STATUS_BESIDE_IDS == Status.PENDING.value,
                                     d.due_at < utc(due_at))
            .values(due_at=utc(due_at), reason=WAITING_FOR_KEY))

    async def move_channel(self, delivery: Delivery, channel: Channel, now: datetime) -> None:
        """A pending delivery goes on ``channel`` instead (its recipient now prefers it); if the
        same message goes to her there already (the text beside the dialogue's calendar email),
        this one is skipped."""
        twin = await self._session.scalar(select(d.id).where(
            d.cause_event_id == delivery.cause_event_id, d.recipient_id == delivery.recipient_id,
            d.template == delivery.template, d.channel == channel.value))
        if twin is not None:
            await self.finish(delivery.id, Status.SKIPPED, now, expected=Status.PENDING,
                              reason="channel_changed")
            return
        await self._session.execute(update(deliveries).where(
            d.id == delivery.id, d.status == Status.PENDING.value)
            .values(channel=channel.value, reason="channel_changed"))

    async def waiting_about(self, subject: str) -> list[Delivery]:
        """The messages to people about a case or a registration that have not gone yet
        (pending or paused), oldest first; alerts to staff are not among them."""
        rows = await self._session.execute(select(deliveries).where(
            d.subject == subject, d.recipient_id != STAFF_MAILBOX,
            d.status.in_((Status.PENDING.value, Status.PAUSED.value))).order_by(d.seq))
        return [_delivery(row) for row in rows]

    async def cut_off(self, now: datetime, lease: timedelta) -> list[Delivery]:
        """Rows left ``sending`` past their lease: the sender died or hung mid-send."""
        rows = await self._session.execute(select(deliveries).where(
            d.status == Status.SENDING.value, d.sending_since < utc(now - lease)))
        return [_delivery(row) for row in rows]

    async def move_case(self, subject: str, *, from_: Status, to: Status, now: datetime,
                        reason: str | None = None, keep: frozenset[str] = frozenset()) -> None:
        """Pauses, resumes or cancels what is still waiting to go to the victim about one case;
        the emails of messages in ``keep`` (they carry the calendar update) and alerts to staff
        go whatever becomes of the case; a text of those is held or dropped with the rest."""
        values = {"status": to.value, "reason": reason}
        if to is Status.PENDING:
            # What was due during the hold goes now; a reminder still ahead keeps its time.
            values["due_at"] = case((d.due_at < utc(now), utc(now)), else_=d.due_at)
        if to is Status.CANCELLED:
            values["finished_at"] = utc(now)
        await self._session.execute(update(deliveries).where(
            d.subject == subject, _STATUS_BESIDE_IDS == from_.value,
            d.recipient_id != STAFF_MAILBOX,
            or_(d.template.not_in(keep), d.channel != Channel.EMAIL.value)).values(**values))

    async def about(self, subject: str, key: str, value: str) -> list[Delivery]:
        """The deliveries about one case whose facts name ``key`` = ``value`` (a meeting, the
        dialogue), oldest first. A case has a few dozen at most."""
        rows = await self._session.execute(
            select(deliveries).where(d.subject == subject).order_by(d.seq))
        return [x for x in map(_delivery, rows) if x.params.get(key) == value]

    async def cancel(self, delivery_ids: Iterable[str], *, now: datetime, reason: str) -> None:
        """Drops those of ``delivery_ids`` that have not gone yet (pending or paused)."""
        ids = list(delivery_ids)
        if ids:
            await self._session.execute(update(deliveries).where(
                d.id.in_(ids),
                _STATUS_BESIDE_IDS.in_((Status.PENDING.value, Status.PAUSED.value)))
                .values(status=Status.CANCELLED.value, finished_at=utc(now), reason=reason))

    async def latest_going(self, subject: str, templates: Iterable[str]) -> Delivery | None:
        """The newest delivery of any of these messages about this case that went or may still
        go (not failed, skipped or cancelled)."""
        gone_nowhere = (Status.FAILED.value, Status.SKIPPED.value, Status.CANCELLED.value)
        row = (await self._session.execute(select(deliveries).where(
            d.subject == subject, d.template.in_(list(templates)),
            d.status.not_in(gone_nowhere))
            .order_by(d.seq.desc()).limit(1))).first()
        return _delivery(row) if row else None

    async def latest_for(self, person_id: str) -> Delivery | None:
        row = (await self._session.execute(select(deliveries).where(d.recipient_id == person_id)
                                           .order_by(d.seq.desc()).limit(1))).first()
        return _delivery(row) if row else None

    async def forget(self, person_id: str) -> None:
        await self._session.execute(delete(deliveries).where(d.recipient_id == person_id))

    async def listing(self, *, subject: str | None = None, recipient_id: str | None = None,
                      status: str | None = None, limit: int = 200) -> list[tuple[Delivery, bool]]:
        """The log for staff, newest first: each delivery and whether its contact has arrived."""
        has_contact = or_(contacts.c.person_id.is_not(None), d.recipient_id == STAFF_MAILBOX)
        query = (select(deliveries, has_contact.label("has_contact"))
                 .outerjoin(contacts, contacts.c.person_id == d.recipient_id))
        if subject:
            query = query.where(d.subject == subject)
        if recipient_id:
            query = query.where(d.recipient_id == recipient_id)
        if status:
            query = query.where(d.status == status)
        rows = await self._session.execute(query.order_by(d.seq.desc()).limit(limit))
        return [(_delivery(row), bool(row.has_contact)) for row in rows]


def _delivery(row) -> Delivery:
    return Delivery(
        id=row.id, seq=row.seq, cause_event_id=row.cause_event_id, recipient_id=row.recipient_id,
        channel=row.channel, template=row.template, subject=row.subject, reference=row.reference,
        language=row.language, params=json.loads(row.params), urgent=bool(row.urgent),
        status=Status(row.status), due_at=as_utc(row.due_at), attempts=row.attempts,
        first_attempt_at=as_utc(row.first_attempt_at), sending_since=as_utc(row.sending_since),
        finished_at=as_utc(row.finished_at), provider_id=row.provider_id, reason=row.reason,
        created_at=as_utc(row.created_at), follows_preference=bool(row.follows_preference),
        delivered_at=as_utc(row.delivered_at))
