"""A custody escape to many registrants: their texts and emails are claimed, and their
outcomes recorded, a batch to a transaction (not two transactions a message), and each goes
once."""
import asyncio
from collections import Counter
from datetime import timedelta

from sqlalchemy import event

from vod_shared.db import session_factory

from notifications.adapters import deliveries as deliveries_module
from notifications.adapters.pacing import Pace, Paces, Pool
from notifications.domain.delivery import OutcomeUnknown, PermanentFailure, Sent
from notifications.service_layer.sender import Sender
from notifications.service_layer.unit_of_work import UnitOfWork

from ..support import custody, new_id, registration

REGISTRANTS = 12


def _counting_commits(harness) -> list[int]:
    """The sender's and the outcome recorder's commits, counted."""
    commits, real = [], harness.sender._uow

    def uow():
        unit = real()
        commit = unit.commit

        async def counted():
            commits.append(1)
            await commit()
        unit.commit = counted
        return unit
    harness.sender._uow = harness.outcomes._uow = uow
    return commits


def _by_channel(lanes) -> dict[str, int]:
    return dict(Counter(channel for _, channel in lanes))


async def test_an_escape_to_many_is_claimed_and_recorded_in_batches_and_each_goes_once(
        harness, clock):
    for _ in range(REGISTRANTS):
        person, reg = new_id(), new_id()
        await harness.person(person, preferred_channel="sms")
        await harness.deliver(registration(reg, person, notify_on=["escape"], channel="sms",
                                           at=clock()), subject=reg)
    await harness.send_due()  # the acknowledgements
    harness.sms.sent.clear(), harness.email.sent.clear()
    harness.sender._pool = Pool(2 * REGISTRANTS)  # every message may be in flight at once
    commits = _counting_commits(harness)

    await harness.deliver(custody("escape", at=clock(), status="escaped", facility=None),
                          subject="AB1234")
    await harness.send_due()

    texts = [t for t in harness.sms.sent if t["message"].startswith("URGENT")]
    assert len(texts) == REGISTRANTS == len({t["delivery_id"] for t in texts})
    assert len(harness.email.sent) == REGISTRANTS  # an escape goes on every channel she has
    escape = [d for d in await harness.deliveries() if d.template == "custody_escape"]
    assert sorted(str(d.status) for d in escape) == ["sent"] * 2 * REGISTRANTS
    # one message at a time took two commits each (48); now the claims go in transactions of
    # 1, 2, 4, 8 and 9 (the first of a burst at once), the records in one or two (the outcomes
    # that came back before the loop's next turn, then the rest: vod_shared.turns)
    assert len(commits) <= 7, len(commits)
    announced = [e for e in await harness.announced() if e.type == "vod.NotificationSent.v1"
                 and e.data.template == "custody_escape"]
    assert len(announced) == 2 * REGISTRANTS


async def test_a_pass_reads_only_rows_no_lane_holds_so_the_next_recipients_get_lanes(
        harness, clock):
    """Lanes waiting for a free slot hold their rows: the next pass starts lanes for the
    recipients after them (it once re-read the same rows and started none), and the sender's
    own claims and records do not wake it (the end of a lane does)."""
    people = [new_id() for _ in range(REGISTRANTS)]
    for person in people:
        await harness.person(person, preferred_channel="sms")
        await harness.deliver(registration(new_id(), person, notify_on=["escape"],
                                           channel="sms", at=clock()), subject=new_id())
    await harness.send_due()  # the acknowledgements
    harness.sms.sent.clear(), harness.email.sent.clear()
    await harness.deliver(custody("escape", at=clock(), status="escaped", facility=None),
                          subject="AB1234")
    sender = harness.sender
    sender._pool, sender._batch_size = Pool(0), 5  # every lane waits for a slot
    sender._max_lanes = 2 * REGISTRANTS  # room for every lane: this test is about the reads

    seen = []
    for _ in range(5):
        due, _ = await sender._start_due()
        seen.append({(d.recipient_id, d.channel) for d in due})
    # five rows of each channel a pass (each channel reads its own: see the last test)
    assert [len(batch) for batch in seen] == [10, 10, 4, 0, 0]
    assert len(set().union(*seen)) == 2 * REGISTRANTS == len(sender._lanes)  # none read twice
    assert sum(len(batch) for batch in seen) == 2 * REGISTRANTS

    sender._wake.clear()
    # slots for them all, in the pool the lanes may already be waiting on (a pass lets the
    # loop turn, so they have started: vod_shared.turns)
    for _ in range(2 * REGISTRANTS + 1):
        sender._pool.give_back()
    await asyncio.gather(*list(sender._lanes.values()))
    texts = [t for t in harness.sms.sent if t["message"].startswith("URGENT")]
    assert len(texts) == REGISTRANTS == len({t["delivery_id"] for t in texts})
    assert sender._wake.is_set()  # by the lanes' ends


def _plans_of(harness, wanted) -> tuple[list[tuple[str, list[str]]], object]:
    """SQLite's plan of each statement ``wanted(sql)`` picks, as the store runs them; and the
    listener, to remove."""
    plans = []

    def explain(conn, _cursor, sql, parameters, *_):
        if wanted(sql) and not sql.startswith("EXPLAIN"):
            plans.append((len(parameters), [row[-1] for row in conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {sql}", parameters)]))
    event.listen(harness.engine.sync_engine, "before_cursor_execute", explain)
    return plans, explain


async def _acknowledgements_sent_watching(harness, clock, wanted) -> list:
    """A batch of acknowledgements to REGISTRANTS people, all of them in flight at once."""
    people = [new_id() for _ in range(REGISTRANTS)]
    for person in people:
        await harness.person(person, preferred_channel="sms")
        await harness.deliver(registration(new_id(), person, notify_on=["escape"],
                                           channel="sms", at=clock()), subject=new_id())
    harness.sender._pool = Pool(REGISTRANTS)
    plans, explain = _plans_of(harness, wanted)
    try:
        await harness.send_due()
    finally:
        event.remove(harness.engine.sync_engine, "before_cursor_execute", explain)
    assert len(harness.sms.sent) == REGISTRANTS  # the acknowledgements went
    return plans


async def test_a_backlog_is_read_along_the_queue_in_order_and_sorted_nowhere(
        harness, clock, monkeypatch):
    """With a backlog due, the sender's read walks the queue's index (urgent first, then
    oldest) and stops at its limit instead of sorting every due row, each with its check of an
    older one in the way (with 2,000 due: 4.4 ms a read against 0.8)."""
    monkeypatch.setattr(deliveries_module, "_BACKLOG", 5)  # a dozen due is a backlog here
    plans = await _acknowledgements_sent_watching(
        harness, clock, lambda sql: "FROM deliveries" in sql and "ORDER BY" in sql)
    assert plans and all(
        any("USING INDEX ix_deliveries_queue (status=? AND channel=?)" in line for line in plan)
        and not any("TEMP B-TREE" in line for line in plan) for _, plan in plans), plans


async def test_a_few_due_are_found_by_their_times_not_by_walking_past_what_is_not_due(
        harness, clock):
    """A few due among many not due yet (reminders weeks ahead, rows held for the night) are
    found through the times: a walk along the queue passed over every row not due (20,000 of
    them: 4.2 ms a read against 0.35)."""
    plans = await _acknowledgements_sent_watching(
        harness, clock, lambda sql: "FROM deliveries" in sql and "ORDER BY" in sql)
    assert plans and all(any(
        "USING INDEX ix_deliveries_due (status=? AND channel=? AND due_at<?)" in line
        for line in plan) for _, plan in plans), plans


async def test_a_batch_is_claimed_and_recorded_through_its_ids_not_every_pending_row(
        harness, clock):
    """Claiming a batch (and recording it sent) finds its rows by their ids; through the
    status it walked every pending row (with 2,000 pending: 2.1 ms a claim against 0.5)."""
    plans = await _acknowledgements_sent_watching(
        harness, clock, lambda sql: sql.startswith("UPDATE deliveries") and " IN (" in sql)
    # claimed and recorded, a dozen rows at a time at least once (with a few ids SQLite took
    # the ids' index anyway)
    assert len(plans) >= 2 and max(parameters for parameters, _ in plans) >= REGISTRANTS
    assert all(plan == [plan[0]] and plan[0].endswith("(id=?)") for _, plan in plans), plans


async def test_the_senders_own_commits_do_not_wake_it_but_anyone_elses_do(harness, clock):
    person = new_id()
    await harness.person(person, preferred_channel="sms")
    sender = harness.sender
    waking = UnitOfWork.waking(sender.wake)  # as bootstrap wires it: every commit wakes
    sender._uow = harness.outcomes._uow = lambda: waking(
        session_factory(harness.engine), source="/services/notifications")
    await harness.deliver(registration(new_id(), person, notify_on=["escape"], channel="sms",
                                       at=clock()), subject=new_id())
    _, started = await sender._start_due()
    sender._wake.clear()
    # its claim and its record commit while the lane is at work: neither wakes the loop
    while not started[0].done():
        assert not sender._wake.is_set()
        await asyncio.sleep(0)
    assert len(harness.sms.sent) == 1
    assert [str(d.status) for d in await harness.deliveries()] == ["sent"]
    sender._wake.clear()
    async with sender._uow() as uow:  # anyone else's commit (a consumer's) still does
        await uow.commit()
    assert sender._wake.is_set()


async def test_a_large_fan_out_waits_in_the_store_not_as_lanes_in_memory_and_urgent_ones_pass(
        harness, clock):
    """However many are due, at most ``max_lanes`` lanes of a channel are at work (the rest
    wait in the store: thousands of waiting lanes once held the service at 300 MiB after a
    fan-out); an urgent notice still gets a lane when ordinary ones fill them; every lane is let
    go when it ends, and each message goes once."""
    people = [new_id() for _ in range(REGISTRANTS)]
    for person in people:
        await harness.person(person, preferred_channel="sms")
        await harness.deliver(registration(new_id(), person, notify_on=["escape"],
                                           channel="sms", at=clock()), subject=new_id())
    sender = harness.sender
    sender._pool, sender._max_lanes = Pool(0), 3  # every lane waits for a slot
    for _ in range(4):  # the acknowledgements (not urgent): only three lanes take them
        await sender._start_due()
    assert _by_channel(sender._lanes) == {"sms": 3}
    await harness.deliver(custody("escape", at=clock(), status="escaped", facility=None),
                          subject="AB1234")
    for _ in range(4):  # the escape (urgent): three text lanes more, no more; its twelve
        await sender._start_due()  # emails have three of their own (the texts hold none)
    assert _by_channel(sender._lanes) == {"sms": 6, "email": 3}
    assert _by_channel(sender._urgent_lanes) == {"sms": 3, "email": 3}

    for _ in range(7):  # slots, in the pool the lanes may already be waiting on
        sender._pool.give_back()
    while sender._lanes:  # the run loop's passes, as each lane's end wakes it
        await asyncio.gather(*list(sender._lanes.values()))
        await sender._start_due()
        assert all(count <= 6 for count in _by_channel(sender._lanes).values())
    assert not sender._urgent_lanes
    texts = [t["delivery_id"] for t in harness.sms.sent]
    assert len(texts) == 2 * REGISTRANTS == len(set(texts))  # acknowledgement + escape each
    assert len(harness.email.sent) == REGISTRANTS
    assert {str(d.status) for d in await harness.deliveries()} == {"sent"}


async def test_of_an_escape_the_texts_go_before_the_emails(harness, clock):
    """Both are urgent; a phone is the quicker way to reach her, so with one slot free the
    texts are sent first (the emails were planned first and went first before)."""
    for _ in range(3):
        person = new_id()
        await harness.person(person, preferred_channel="sms")
        await harness.deliver(registration(new_id(), person, notify_on=["escape"],
                                           channel="sms", at=clock()), subject=new_id())
    await harness.send_due()  # the acknowledgements
    order = []
    for channel, provider in (("sms", harness.sms), ("email", harness.email)):
        def noting(send, channel=channel):
            async def send_noted(*args, **kwargs):
                order.append(channel)
                return await send(*args, **kwargs)
            return send_noted
        provider.send = noting(provider.send)
    harness.sender._pool = Pool(1)  # one message at a time: the order is the sender's

    await harness.deliver(custody("escape", at=clock(), status="escaped", facility=None),
                          subject="AB1234")
    await harness.send_due()

    assert order == ["sms"] * 3 + ["email"] * 3


async def test_texts_waiting_for_the_sms_pace_hold_no_email_back(harness, clock):
    """A text's lane keeps its place while it waits for the SMS pace (here a 429's Retry-After
    of an hour): with more texts waiting than there are lanes, an escape's emails (urgent) and
    an ordinary email still go at once. With one count for both channels the waiting texts
    held every lane, and the emails went at the texts' pace."""
    people = [new_id() for _ in range(REGISTRANTS)]
    for person in people:
        await harness.person(person, preferred_channel="sms")
        await harness.deliver(registration(new_id(), person, notify_on=["escape"],
                                           channel="sms", at=clock()), subject=new_id())
    by_email = new_id()
    await harness.person(by_email, preferred_channel="email")
    sender = harness.sender
    sender._max_lanes, sender._batch_size = 3, 4  # stand for 100 and a fan-out of thousands
    sender._paces = {"sms": Paces(Pace(1.0))}
    sender._paces["sms"].hold(3600)  # the SMS provider's 429: no text goes for an hour
    await harness.deliver(custody("escape", at=clock(), status="escaped", facility=None),
                          subject="AB1234")
    await harness.deliver(registration(new_id(), by_email, notify_on=["escape"],
                                       channel="email", at=clock()), subject=new_id())

    for _ in range(3 * REGISTRANTS):  # the run loop's passes, as each lane's end wakes it
        await sender._start_due()
        await asyncio.sleep(0.01)
    try:
        assert harness.sms.sent == []  # all waiting for the pace, holding their lanes
        assert _by_channel(sender._lanes) == {"sms": 3}  # as many as a channel may have
        assert len(harness.email.sent) == REGISTRANTS + 1  # every email went meanwhile
        emails = [d for d in await harness.deliveries() if d.channel == "email"]
        assert sorted((d.template, str(d.status)) for d in emails) == [
            ("custody_escape", "sent")] * REGISTRANTS + [("registration_acknowledged", "sent")]
    finally:
        for lane in sender._lanes.values():
            lane.cancel()
        await asyncio.gather(*sender._lanes.values(), return_exceptions=True)


async def test_a_wake_starts_the_next_pass_within_two_turns_of_a_busy_loop(harness, monkeypatch):
    """The first notice of a burst waits for the sender's next pass; while custody webhooks
    stream in, each turn of the loop runs every request in flight (their SQL on the loop's
    thread), so the pass must begin within the fewest turns of a wake (an Event under
    ``wait_for`` took three)."""
    sender, turns, passes = harness.sender, 0, []

    async def a_pass():
        passes.append(turns)
        return [], []
    monkeypatch.setattr(sender, "_start_due", a_pass)
    monkeypatch.setattr(sender, "_poll_interval_s", 60)

    async def webhook_in_flight():
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    running = asyncio.create_task(sender.run())
    busy = asyncio.create_task(webhook_in_flight())
    try:
        while not passes:
            await asyncio.sleep(0)
        for _ in range(5):  # the first pass is over: it sleeps
            await asyncio.sleep(0)
        woken = turns
        sender.wake()
        for _ in range(50):
            if len(passes) > 1:
                break
            await asyncio.sleep(0)
    finally:
        sender._stopping = True
        busy.cancel()
        running.cancel()
        await asyncio.gather(busy, running, return_exceptions=True)
    assert len(passes) > 1, "never woken"
    assert passes[1] - woken <= 2


class _ByPhone:
    """A provider answering each text by the phone it goes to; every call counted."""

    def __init__(self, answers: dict) -> None:
        self.answers, self.calls = answers, []

    async def send(self, message, *, to: str, delivery_id: str, **_):
        self.calls.append(delivery_id)
        return self.answers[to]


async def test_sends_back_together_are_each_recorded_as_they_went_in_one_go_and_none_goes_again(
        harness, clock):
    """An escape's texts, answered together: one refused for good, one whose answer never
    came, one taken. Their outcomes are recorded in one transaction, each as it went, each
    announced once; a sender started afresh on the same store (a restart), days later, sends
    none of them again."""
    answers = {"+16195550101": PermanentFailure("sms_rejected:21211"),
               "+16195550102": OutcomeUnknown("sms_no_answer:ReadTimeout"),
               "+16195550103": Sent("SM-3")}
    people = {}
    for phone in answers:
        people[phone] = new_id()
        await harness.person(people[phone], preferred_channel="sms", phone=phone)
        await harness.deliver(registration(new_id(), people[phone], notify_on=["escape"],
                                           channel="sms", at=clock()), subject=new_id())
    await harness.send_due()  # the acknowledgements
    provider = _ByPhone(answers)
    harness.sender._sms, harness.sender._pool = provider, Pool(2 * len(answers))
    recorded, record_all = [], harness.outcomes.record_all

    async def record_together(results, now, **kwargs):
        recorded.append(sorted(d.channel for d, _ in results))
        await record_all(results, now, **kwargs)
    harness.outcomes.record_all = record_together

    await harness.deliver(custody("escape", at=clock(), status="escaped", facility=None),
                          subject="AB1234")
    await harness.send_due()

    assert ["sms"] * 3 in [[c for c in batch if c == "sms"] for batch in recorded]
    texts = {d.recipient_id: d for d in await harness.deliveries()
             if d.template == "custody_escape" and d.channel == "sms"}
    by_phone = {phone: texts[person] for phone, person in people.items()}
    assert (by_phone["+16195550101"].status, by_phone["+16195550101"].reason) == (
        "failed", "sms_rejected:21211")
    assert by_phone["+16195550102"].status == "unknown"
    assert (by_phone["+16195550103"].status, by_phone["+16195550103"].provider_id) == (
        "sent", "SM-3")
    assert sorted(provider.calls) == sorted(d.id for d in texts.values())

    restarted = Sender(uow=harness.uow, keys=harness.contact_keys,
                       renderer=harness.sender._compose.renderer, outcomes=harness.outcomes,
                       email=harness.email, sms=provider, clock=clock,
                       lease=timedelta(minutes=5))
    for _ in range(3):
        clock.move(days=1)
        await restarted.reconcile_interrupted()
        while await restarted.send_due():
            pass
    assert sorted(provider.calls) == sorted(d.id for d in texts.values())  # none again
    after = {d.id: (d.status, d.attempts) for d in await harness.deliveries()
             if d.id in provider.calls}
    assert after == {d.id: (d.status, 1) for d in texts.values()}
    announced = Counter((e.type, e.data.notification_id) for e in await harness.announced()
                        if getattr(e.data, "notification_id", None) in provider.calls)
    assert sorted(announced.values()) == [1, 1, 1]
    assert sorted(kind for kind, _ in announced) == [
        "vod.NotificationFailed.v1", "vod.NotificationFailed.v1", "vod.NotificationSent.v1"]
