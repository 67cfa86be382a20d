"""The sender: a loop, separate from the event handlers, that sends what is due.

For each due delivery it re-reads the row and goes on only if it is still pending (two
senders, or a retry and a replay, never both send); opens the contact with the recipient's
data key from the key book (it waits while the key is on its way, and drops the message if
she was erased: her key is gone for good); moves it to the channel the recipient now
prefers, if it followed her preference and she changed it; holds a text to the end of the
recipient's night (her own quiet hours, else the program's); marks the row ``sending`` and
commits *before* calling the provider; then records the outcome. A crash after the call and
before that record leaves the row ``sending``: once its lease has run out it is declared
unknown, never sent again by itself.

Deliveries to one person on one channel go in the order they were planned: a batch is split
per recipient and channel, each part sent in order and stopped at the first failure. At most
``max_lanes`` lanes of each channel are at work at once (an urgent notice has as many again,
so it can pass a backlog of others): the rest of a fan-out waits in the store, not as tasks in
memory. (Lanes once started for every row due piled up by the thousand in a large fan-out,
each waiting for a slot, and each pass's query named them all to leave them out: issue 13's
memory.) Each channel has its own lanes and reads its own due rows, because a text's lane
keeps its place while it waits for the SMS pace or a 429's Retry-After: with one count for
both, texts waiting their turn held every lane and an escape's emails went at the texts' pace.

The store, not the provider, bounds the pace: the lanes whose turn came together are claimed
in one transaction (``batching.GroupCommit``; each caller goes on only once it is committed),
and the outcomes that came back together are recorded in one; within a burst each waits a
few milliseconds (``GATHER_S``) for more to share it.
"""
import asyncio
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import groupby

import structlog

from vod_shared.events import Channel, SealedDetails
from vod_shared.failpoints import Failpoints
from vod_shared.keybook import KeyNotHereYet
from vod_shared.outbox import Wakeup
from vod_shared.sealing import (
    ANOTHER_SUBJECT,
    ERASED,
    KEY_RETIRED,
    NOT_AUTHENTIC,
    NOT_SEALED_FOR_US,
    SEALER_NOT_ALLOWED,
    SEALER_UNKNOWN,
    CannotUnseal,
)
from vod_shared.stopping import stop_if_cancelled
from vod_shared.zones import person_zone

from notifications.adapters.contacts import ContactKeys
from notifications.adapters.pacing import Paces, Pool
from notifications.adapters.rendering import Renderer, TemplateMissing
from notifications.adapters.sms import THROTTLED
from notifications.adapters.victim_links import VictimLinkUrls
from notifications.domain import schedule
from notifications.domain.delivery import (
    Delivery,
    Outcome,
    Sent,
    Status,
    TemporaryFailure,
    channel_now,
)
from notifications.domain.quiet_hours import earliest_send, quiet_hours
from notifications.domain.staff import STAFF_MAILBOX, waiting_for_key
from notifications.service_layer.batching import GroupCommit
from notifications.service_layer.composing import REPLIES, Composer
from notifications.service_layer.outcomes import Outcomes, copy_on
from notifications.service_layer.unit_of_work import UnitOfWork

log = structlog.get_logger("notifications.sender")
# A 429 without a Retry-After: how long every text waits before the next is tried
THROTTLED_PAUSE_S = 1.0
# After a wake while sends are under way, how long to gather the next commits into one pass
# (each send's commit wakes the loop: one look at the store per send would double its work)
_SETTLE_S = 0.1
# Within a burst, how long a claim or a record waits for others to share its transaction
# (``batching.GroupCommit``'s ``gather_s``; the first of a burst never waits): in a fan-out the
# sends come back one at a time, and each transaction's statements and commit were most of the
# sender's CPU. 5 ms took 28-31 % off notifications' CPU per text (docs/performance.md).
GATHER_S = 0.005
UNREADABLE_RETRY = timedelta(minutes=15)
# Her data key travels on vod.keys and may be a moment behind her details: look again soon.
KEY_WAIT = timedelta(seconds=5)
# A key this late is not on its way: staff are told (once a message), the message keeps waiting.
KEY_OVERDUE = timedelta(minutes=10)
# Details that open with neither this service's keys nor intake's: an operator's matter (a key
# file missing, or retired before the re-wrap); the delivery waits, it does not fail.
KEY_TROUBLE = {NOT_AUTHENTIC, KEY_RETIRED}
RECIPIENT_ERASED = "recipient_erased"
# Why a contact that can never be read failed its deliveries (vod_shared.sealing's reasons)
UNREADABLE = {NOT_SEALED_FOR_US: "contact_not_sealed_for_us",
              SEALER_UNKNOWN: "contact_not_sealed_by_intake",
              SEALER_NOT_ALLOWED: "contact_not_sealed_by_intake",
              ANOTHER_SUBJECT: "contact_about_another_person"}


class Sender:
    def __init__(self, *, uow: Callable[[], UnitOfWork], outcomes: Outcomes, keys: ContactKeys,
                 renderer: Renderer, email, sms, clock: Callable[[], datetime],
                 lease: timedelta, failpoints: Failpoints | None = None,
                 concurrency: int = 4, batch_size: int = 100, poll_interval_s: float = 1.0,
                 links: VictimLinkUrls | None = None, staff_mailbox: str | None = None,
                 paces: Mapping[str, Paces] | None = None,
                 max_lanes: int | None = None, gather_s: float = 0.0) -> None:
        self._uow, self._outcomes, self._keys = uow, outcomes, keys
        self._compose, self._staff_mailbox = Composer(renderer, links), staff_mailbox
        self._email, self._sms, self._clock, self._lease = email, sms, clock, lease
        self._failpoints = failpoints or Failpoints(None)
        self._pool = Pool(concurrency)
        self._paces = dict(paces or {})  # channel -> the provider's limits
        self._lanes: dict[tuple[str, str], asyncio.Task] = {}  # (recipient, channel) at work
        self._urgent_lanes: set[tuple[str, str]] = set()  # those of them that began urgent
        # Enough lanes for a full batch of claims and a busy pool, and no more
        self._max_lanes = max_lanes or max(batch_size, 2 * concurrency)
        self._queued: set[asyncio.Task] = set()  # lanes waiting for their pace or the pool
        self._batch_size, self._poll_interval_s = batch_size, poll_interval_s
        # resumes on the loop's next turn after a wake (an Event under wait_for takes three,
        # each running every request in flight during a burst): as the outbox relay's
        self._wake = Wakeup()
        self._stopping = False
        self._task: asyncio.Task | None = None
        self._in_flight: set[str] = set()  # claimed and handed to the provider, not recorded
        # The lanes whose turn came together are claimed in one transaction, and the outcomes
        # that came back together recorded in one (the store, not the provider, is the bound)
        # (after a quiet spell the first alone, then 2, 4...: the first texts of a burst need
        # not wait for the whole burst's claims)
        # (``gather_s``: the running service's is GATHER_S; none by default, so a test's
        # transactions do not depend on the machine's pace)
        self._claims = GroupCommit(self._prepare_all, limit=batch_size, first=1,
                                   gather_s=gather_s, name="sender-claims")
        self._records = GroupCommit(self._record_all, limit=batch_size, gather_s=gather_s,
                                    name="sender-records")

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self.run(), name="notifications-sender")

    async def stop(self, grace_s: float = 10.0) -> None:
        """Starts no new send, lets the sends in flight finish within ``grace_s`` (so none is
        left unknown), then stops. Those still in flight then are cut off: they become unknown
        after their lease, for staff; each is logged by id."""
        self._stopping = True
        for lane in self._queued:  # waiting for a turn or a free slot: nothing of theirs began
            lane.cancel()
        self.wake()
        log.info("sender.stopping", in_flight=len(self._in_flight), grace_s=grace_s)
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout=grace_s)
        except TimeoutError:
            cut = sorted(self._in_flight)
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            for delivery_id in cut:
                log.warning("sender.send_cut_off", delivery_id=delivery_id,
                            hint="its outcome is unknown: staff will be asked once its lease ends")

    async def run(self) -> None:
        """Starts what is due as it becomes due, without waiting for the sends already under
        way (so an urgent notice need not wait for a slow batch to end); when stopping, waits
        for the lanes, which start no new send."""
        backoff, loop = self._poll_interval_s, asyncio.get_running_loop()
        next_reconcile = loop.time()
        try:
            while not self._stopping:
                stop_if_cancelled()
                self._wake.clear()
                try:
                    if loop.time() >= next_reconcile:  # leases run for minutes: now and then
                        await self.reconcile_interrupted()
                        next_reconcile = loop.time() + max(self._poll_interval_s, 1.0)
                    await self._start_due()
                    backoff = self._poll_interval_s
                except Exception as exc:  # the store or the key is out of reach: try again
                    stop_if_cancelled(exc)
                    log.error("sender.pass_failed", error=type(exc).__name__, retry_in_s=backoff)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 30.0)
                    continue
                await self._wake.wait(timeout=self._poll_interval_s)
                if self._lanes:  # each send's commit wakes us: take a burst of them as one
                    await asyncio.sleep(min(_SETTLE_S, self._poll_interval_s))
            await asyncio.gather(*self._lanes.values(), return_exceptions=True)
        finally:
            for lane in self._lanes.values():  # cut off at the end of the grace
                lane.cancel()

    def _own_uow(self) -> UnitOfWork:
        """A unit of work whose commit does not wake this loop: what its claims and records
        change, the lane at work carries on with, and a lane that ends wakes it."""
        uow = self._uow()
        uow.wakes_sender = False
        return uow

    async def reconcile_interrupted(self) -> int:
        now = self._clock()
        async with self._uow() as uow:
            cut_off = await uow.deliveries.cut_off(now, self._lease)
        # A send of this process still under way is slow, not interrupted: its outcome comes.
        cut_off = [delivery for delivery in cut_off if delivery.id not in self._in_flight]
        await self._outcomes.interrupted(cut_off, now)
        return len(cut_off)

    async def send_due(self) -> int:
        """One pass over what is due now, waiting for its sends; returns how many deliveries
        it looked at."""
        due, started = await self._start_due()
        await asyncio.gather(*started)
        return len(due)

    async def _start_due(self) -> tuple[list[Delivery], list[asyncio.Task]]:
        """Starts a lane for each recipient and channel with something due and no lane yet,
        urgent ones first, as many as each channel has room for (``max_lanes``)."""
        due, lanes, now = [], [], self._clock()
        async with self._uow() as uow:
            for channel in Channel:  # each its own read: one's backlog never hides another's
                room, urgent_room = self._room(channel.value)
                if room <= 0 and urgent_room <= 0:
                    continue  # no room even for an urgent one: a lane's end wakes the loop
                # No more rows than lanes it may start (a lane holds one row at least): a
                # full batch read, each row made a Delivery, for a lane or two free was most
                # of a pass's work in a fan-out
                wanted = min(self._batch_size, max(room, 0) + max(urgent_room, 0))
                rows = await uow.deliveries.due(
                    now, wanted, channel=channel.value, urgent_only=room <= 0,
                    besides=[key for key in self._lanes if key[1] == channel.value])
                due += rows
                lanes += _with_room(self._new_lanes(rows), room, urgent_room)
        # Urgent first; of the urgent ones the texts first (a phone is the quicker way to
        # reach her: an escape's text need not wait behind the same escape's emails)
        lanes.sort(key=lambda lane: (not lane[0].urgent,
                                     lane[0].urgent and lane[0].channel != Channel.SMS.value,
                                     lane[0].seq))
        started = []
        for lane in lanes:
            key = (lane[0].recipient_id, lane[0].channel)
            task = asyncio.create_task(self._send_lane(lane), name="notifications-lane")
            self._lanes[key] = task
            if lane[0].urgent:
                self._urgent_lanes.add(key)
            task.add_done_callback(lambda done, key=key: self._lane_done(key, done))
            started.append(task)
        return due, started

    def _room(self, channel: str) -> tuple[int, int]:
        """How many more lanes this channel may start: (any, urgent ones besides)."""
        at_work = sum(1 for _, of in self._lanes if of == channel)
        urgent = sum(1 for _, of in self._urgent_lanes if of == channel)
        return self._max_lanes - at_work, self._max_lanes - urgent

    def _new_lanes(self, due: list[Delivery]) -> list[list[Delivery]]:
        """The due rows as lanes (per recipient and channel, in order), urgent ones first,
        leaving out those with a lane at work."""
        lanes = [list(lane) for key, lane in groupby(
            sorted(due, key=lambda d: (d.recipient_id, d.channel, not d.urgent, d.seq)),
            key=lambda d: (d.recipient_id, d.channel)) if key not in self._lanes]
        lanes.sort(key=lambda lane: (not lane[0].urgent, lane[0].seq))
        return lanes

    def _lane_done(self, key: tuple[str, str], lane: asyncio.Task) -> None:
        self._lanes.pop(key, None)
        self._urgent_lanes.discard(key)
        self._wake.set()  # what waited behind it may be due now
        if not lane.cancelled() and (error := lane.exception()) is not None:
            # the store or the key out of reach: its rows stay as they were, the next pass
            # takes them up again (a claimed one becomes unknown after its lease)
            log.error("sender.lane_failed", error=type(error).__name__)

    async def _send_lane(self, lane: list[Delivery]) -> None:
        """One person's deliveries on one channel, in order, each at the provider's pace;
        stops at the first that did not go (those after it wait)."""
        for delivery in lane:
            if self._stopping or not await self._wait_turn(delivery):
                return  # stopping: no new send starts; this one stays pending for later
            try:
                if self._stopping:
                    return
                if not await self._deliver(delivery.id, urgent=delivery.urgent):
                    return
            finally:
                self._pool.give_back()

    async def _wait_turn(self, delivery: Delivery) -> bool:
        """Waits for the provider's pace and a free slot (urgent first); False if stopped."""
        lane = asyncio.current_task()
        self._queued.add(lane)
        try:
            if pace := self._paces.get(delivery.channel):
                await pace.turn(urgent=delivery.urgent)
            await self._pool.take(urgent=delivery.urgent)
        except asyncio.CancelledError:
            if self._stopping:
                return False
            raise
        finally:
            self._queued.discard(lane)
        return True

    async def _deliver(self, delivery_id: str, *, urgent: bool = False) -> bool:
        """Sends one delivery if it is still due; False if those after it must wait."""
        prepared = await self._claims.submit(delivery_id, urgent=urgent)
        if prepared is None:
            return True
        if prepared is False:
            return False
        delivery, message, address = prepared
        self._in_flight.add(delivery.id)
        try:
            outcome = await self._send(delivery, message, address)
            self._failpoints.hit("notifications.after_send")
            await self._records.submit((delivery, outcome))
        finally:
            self._in_flight.discard(delivery.id)
        return isinstance(outcome, Sent)

    async def _record_all(self, results: list[tuple[Delivery, Outcome]]) -> list[None]:
        await self._outcomes.record_all(results, self._clock(), wake=False)
        return [None] * len(results)

    async def _prepare_all(self, delivery_ids: list[str]) -> list:
        """Re-reads and claims the rows of the lanes whose turn it is, in one transaction:
        for each, (delivery, message, address), None to move on to the next, or False when
        this one did not go and the ones after it must wait. Committed before any is sent."""
        if self._stopping:  # no new send: they stay pending for the next start
            return [False] * len(delivery_ids)
        now = self._clock()
        answers, ready = {}, {}
        async with self._own_uow() as uow:
            rows = await uow.deliveries.get_all(delivery_ids)
            contacts, opted_out = await uow.people.contacts_and_opt_outs(
                {delivery.recipient_id for delivery in rows.values()})
            found = _Found(contacts, opted_out, await self._keys.book.held(
                uow.session, {sealed.key_id for sealed in contacts.values()}))
            for delivery_id in delivery_ids:
                answer = await self._prepare(uow, rows.get(delivery_id), now, found)
                (ready if isinstance(answer, tuple) else answers)[delivery_id] = answer
            claimed = await uow.deliveries.claim_all(ready, now)
            await uow.commit()
        for delivery_id, (delivery, message, address) in ready.items():
            answers[delivery_id] = ((_claimed(delivery, now), message, address)
                                    if delivery_id in claimed else None)
        return [answers[delivery_id] for delivery_id in delivery_ids]

    async def _prepare(self, uow: UnitOfWork, delivery: Delivery | None, now: datetime,
                       found: "_Found"):
        """One row of ``_prepare_all``: (delivery, message, address) to claim, None to move on
        to the next, or False when this one did not go and the ones after it must wait."""
        if delivery is None or delivery.status is not Status.PENDING or delivery.due_at > now:
            return None
        if delivery.recipient_id == STAFF_MAILBOX:
            return await self._prepare_for_staff(uow, delivery, now)
        if schedule.too_late(delivery.template, delivery.params, now):
            await uow.deliveries.finish(delivery.id, Status.CANCELLED, now,
                                        expected=Status.PENDING, reason="too_late")
            return None
        sealed = found.contacts.get(delivery.recipient_id)
        if sealed is None:
            return False  # held until the contact arrives
        try:
            details = await self._keys.open(uow.session, sealed, about=delivery.recipient_id,
                                            held=found.keys)
        except CannotUnseal as refused:
            return await self._unreadable(uow, delivery, refused, now)
        if moved_to := channel_now(delivery, details.get("preferred_channel")):
            await uow.deliveries.move_channel(delivery, moved_to, now)
            return None  # taken up again on its new channel, in that channel's order
        channel = Channel(delivery.channel)
        address = details.get("email" if channel is Channel.EMAIL else "phone")
        blocked = _blocked(delivery, channel, address, found.opted_out)
        if blocked:
            await self._end_unsent(uow, delivery, blocked, now, details=details)
            return None
        zone = person_zone(details.get("time_zone"), details.get("state"))
        when = earliest_send(now, channel=channel, zone=zone,
                             urgent=delivery.urgent or delivery.template in REPLIES,
                             hours=quiet_hours(details.get("quiet_hours")))
        if when > now:
            await uow.deliveries.hold_until(delivery.id, when)
            return None
        try:
            message = self._compose.for_person(delivery, details, zone, address)
        except TemplateMissing:
            await self._end_unsent(uow, delivery, "template_missing", now, details={})
            return None
        return delivery, message, address

    async def _prepare_for_staff(self, uow: UnitOfWork, delivery: Delivery, now: datetime):
        """An alert to the staff mailbox: no contact to open, no quiet hours, no fallback."""
        if not self._staff_mailbox:  # unset since the alert was planned
            await uow.deliveries.finish(delivery.id, Status.SKIPPED, now, expected=Status.PENDING,
                                        reason="staff_alerts_email_unset")
            log.warning("staff_alert.not_emailed", delivery_id=delivery.id,
                        alert=delivery.template, reference=delivery.reference)
            return None
        try:
            message = self._compose.for_staff(delivery)
        except TemplateMissing:
            await self._outcomes.fail(uow, delivery, "template_missing", now,
                                      expected=Status.PENDING)
            return None
        return delivery, message, self._staff_mailbox

    async def _unreadable(self, uow: UnitOfWork, delivery: Delivery, refused: CannotUnseal,
                          now: datetime):
        """Her key not here yet: the delivery waits a moment (and those after it). She was
        erased (her key is gone): the message is dropped, on every channel, never sent again.
        Details not sealed for this service, or not by intake, can never be read: the
        delivery fails. Details that do not open with its keys and intake's (they were checked
        when they arrived) point at a key that changed since (an operator's matter): the
        delivery waits and is tried again, not failed for every recipient."""
        if isinstance(refused, KeyNotHereYet):
            log.info("contact.key_not_here_yet", delivery_id=delivery.id)
            # all of hers wait together, so none overtakes another when the key comes
            await uow.deliveries.hold_recipient_until(delivery.recipient_id, now + KEY_WAIT)
            waited = now - (delivery.created_at or now)
            if waited >= KEY_OVERDUE:  # planned at most once for a delivery (its cause id)
                await self._outcomes.alerts.raise_alert(
                    uow, waiting_for_key(delivery, int(waited.total_seconds() // 60)),
                    cause_id=delivery.id, now=now)
            return False
        if refused.reason == ERASED:
            await uow.deliveries.finish(delivery.id, Status.CANCELLED, now,
                                        expected=Status.PENDING, reason=RECIPIENT_ERASED)
            log.info("delivery.recipient_erased", delivery_id=delivery.id)
            return None
        if refused.reason not in KEY_TROUBLE:
            reason = UNREADABLE.get(refused.reason, "contact_unreadable")
            await self._end_unsent(uow, delivery, reason, now, details={})
            return None
        log.error("contact.unseal_failed", delivery_id=delivery.id, reason=refused.reason,
                  hint="check VOD_KEYS_DIR holds this service's and intake's keys, and that "
                       "`python -m notifications.rewrap` ran before a key was retired")
        await uow.deliveries.hold_until(delivery.id, now + UNREADABLE_RETRY)
        return False

    async def _end_unsent(self, uow: UnitOfWork, delivery: Delivery, reason: str,
                          now: datetime, *, details: dict) -> None:
        """This channel cannot carry it: the other one takes it if it can, else it failed."""
        if schedule.calendar_only(delivery.template, delivery.params):
            # Only a calendar update: by email or not at all, never a text after they withdrew.
            await uow.deliveries.finish(delivery.id, Status.SKIPPED, now,
                                        expected=Status.PENDING, reason=reason)
            return
        other = Channel.SMS if delivery.channel == Channel.EMAIL.value else Channel.EMAIL
        reachable = details.get("email" if other is Channel.EMAIL else "phone") and not (
            other is Channel.SMS and await uow.people.opted_out_of_sms(delivery.recipient_id))
        if reachable and self._compose.renderer.has(delivery.template, delivery.language,
                                                    other.value):
            await uow.deliveries.finish(delivery.id, Status.SKIPPED, now,
                                        expected=Status.PENDING, reason=reason)
            await uow.deliveries.plan(copy_on(delivery, other),
                                      cause_event_id=delivery.cause_event_id, now=now)
        else:
            await self._outcomes.fail(uow, delivery, reason, now, expected=Status.PENDING)
        log.info("delivery.not_sent_on_channel", delivery_id=delivery.id,
                 channel=delivery.channel, reason=reason, fallback=bool(reachable))

    async def _send(self, delivery: Delivery, message, address: str) -> Outcome:
        if delivery.channel == Channel.EMAIL.value:
            outcome = await self._email.send(message, to=address, delivery_id=delivery.id,
                                             language=delivery.language)
        else:
            outcome = await self._sms.send(message, to=address, delivery_id=delivery.id)
        if isinstance(outcome, TemporaryFailure) and outcome.reason == THROTTLED:
            # The provider's own word on its pace: every send on this channel waits it out.
            if pace := self._paces.get(delivery.channel):
                pace.hold(outcome.retry_after_s or THROTTLED_PAUSE_S)
        return outcome


@dataclass(frozen=True)
class _Found:
    """What one transaction of claims read for all its rows at once."""
    contacts: dict[str, SealedDetails]
    opted_out: set[str]
    keys: dict  # the key book's held keys of those contacts


def _blocked(delivery: Delivery, channel: Channel, address: str | None,
             opted_out: set[str]) -> str | None:
    if not address:
        return f"no_{channel.value}_address"
    if (channel is Channel.SMS and delivery.template != "sms_opted_out"
            and delivery.recipient_id in opted_out):
        return "sms_opted_out"
    return None


def _with_room(lanes: list[list[Delivery]], room: int,
               urgent_room: int) -> list[list[Delivery]]:
    """The lanes of one channel (urgent first) there is room for: ``room`` in all, and
    ``urgent_room`` more for urgent ones; the others stay pending in the store for a later
    pass."""
    chosen = []
    for lane in lanes:
        if lane[0].urgent and urgent_room > 0:
            urgent_room -= 1
        elif room <= 0:
            continue
        room -= 1
        chosen.append(lane)
    return chosen


def _claimed(delivery: Delivery, now: datetime) -> Delivery:
    return replace(delivery, status=Status.SENDING, sending_since=now,
                   first_attempt_at=delivery.first_attempt_at or now)
