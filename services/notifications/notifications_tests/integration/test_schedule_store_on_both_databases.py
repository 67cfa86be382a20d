"""The store's new queries on SQLite and on PostgreSQL: what was told of a dialogue (read back
from the delivery facts), dropping what waited of an earlier version, a reminder that keeps its
own time through a hold, alerts to the staff mailbox, which has no contact row, and events
parked in the same instant replayed in the order they came."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from vod_shared.events import CasePaused, CaseResumed, MeetingCancelled

from notifications.domain.staff import STAFF_MAILBOX as TO_STAFF

from ..support import STAFF_MAILBOX, Harness, eligibility, meeting, new_id, request, session

pytestmark = pytest.mark.integration

DIALOGUE = datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("America/Los_Angeles"))


@pytest.fixture
async def store(database_url_factory, tmp_path, clock):
    harness = await Harness(database_url_factory("notifications"), tmp_path / "keys", clock,
                            staff_mailbox=STAFF_MAILBOX).start()
    yield harness
    await harness.close()


async def test_the_dialogues_deliveries_and_staff_alerts_on_either_database(store, clock):
    person, case = new_id(), new_id()
    await store.person(person)
    await store.deliver(request(case, person, at=clock()), subject=case)
    first = session(case, starts_at=DIALOGUE)
    await store.deliver(first, subject=case)
    await store.send_due()
    later = DIALOGUE + timedelta(days=7)
    await store.deliver(session(case, starts_at=later, session_id=first.session_id, sequence=1),
                        subject=case)
    await store.deliver(CasePaused(case_id=case, by="facilitator", reason="x", at=clock()),
                        subject=case)
    clock.move(hours=1)
    await store.deliver(CaseResumed(case_id=case, by="facilitator", at=clock()), subject=case)
    await store.deliver(eligibility(case, "needs_review", at=clock()), subject=case)
    await store.send_due()

    rows = [(d.template, d.recipient_id == TO_STAFF, d.status, d.due_at)
            for d in await store.deliveries(subject=case)]
    assert [r[:3] for r in rows] == [
        ("request_acknowledged", False, "sent"),
        ("session_invitation", False, "sent"), ("session_reminder", False, "cancelled"),
        ("session_invitation", False, "sent"), ("session_reminder", False, "pending"),
        ("case_on_hold", False, "sent"), ("case_resumed", False, "sent"),
        ("eligibility_needs_review", False, "sent"), ("staff_needs_review", True, "sent")]
    assert rows[4][3] == later - timedelta(days=1)  # the hold did not pull it forward
    assert [m["to"] for m in store.email.sent].count(STAFF_MAILBOX) == 1


async def test_events_parked_in_the_same_instant_are_replayed_in_the_order_they_came(
        store, clock):
    """A meeting scheduled and then cancelled, both read before the request, in the same
    instant: replayed the other way round, she would be invited to a cancelled meeting. The
    space of an event parked and replayed before is reclaimed in between, so that PostgreSQL
    stores the cancellation ahead of the meeting: the order may not rest on where rows lie."""
    person, case, other_case = new_id(), new_id(), new_id()
    await store.person(person)
    await store.deliver(meeting(other_case, starts_at=DIALOGUE), subject=other_case)
    scheduled = meeting(case, starts_at=DIALOGUE)
    await store.deliver(scheduled, subject=case)
    await store.deliver(request(other_case, new_id(), at=clock()), subject=other_case)
    await _reclaim_space(store.engine, "parked_events")
    await store.deliver(MeetingCancelled(case_id=case, meeting_id=scheduled.meeting_id,
                                         party="victim", reason="staff", at=clock()),
                        subject=case)
    await store.deliver(request(case, person, at=clock()), subject=case)
    await store.send_due()

    assert [(d.template, d.status) for d in await store.deliveries(subject=case)] == [
        ("request_acknowledged", "sent"), ("meeting_scheduled", "cancelled"),
        ("meeting_reminder", "cancelled")]
    assert [m["message"].subject.split(" (")[0] for m in store.email.sent] == [
        "We received your request for a dialogue"]


async def _reclaim_space(engine, table: str) -> None:
    async with engine.connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        vacuum = f"VACUUM {table}" if engine.dialect.name == "postgresql" else "VACUUM"
        await connection.execute(text(vacuum))


async def test_settling_by_callback_and_by_staff_on_either_database(store, clock):
    """The provider's report found by provider id, an unknown one sent again, and the log of
    settlings, which the store keeps append-only."""
    from notifications.domain.delivery import OutcomeUnknown
    from notifications.service_layer.provider_status import Applied, apply_status
    from notifications.service_layer.settling import Settlement, settle

    person = new_id()
    await store.person(person, preferred_channel="sms")
    cases = [new_id(), new_id()]
    store.sms.script.extend([OutcomeUnknown("sms_no_answer:ReadTimeout")])
    for case in cases:
        await store.deliver(request(case, person, channel="sms", at=clock()), subject=case)
        await store.send_due()
    unknown, sent = [(await store.deliveries(subject=c, recipient_id=person))[0] for c in cases]
    assert (unknown.status, sent.status) == ("unknown", "sent")

    async with store.uow() as uow:
        assert await apply_status(uow, store.outcomes, message_sid=sent.provider_id,
                                  status="delivered", error_code=None, delivery_hint=None,
                                  now=clock()) is Applied.SETTLED
    async with store.uow() as uow:
        await settle(uow, store.outcomes, delivery_id=unknown.id, outcome=Settlement.NOT_SENT,
                     note_code="provider_checked", by="rosa", now=clock())
    await store.send_due()
    unknown, sent = [(await store.deliveries(subject=c, recipient_id=person))[0] for c in cases]
    assert unknown.status == "sent" and sent.delivered_at is not None
    assert len(store.sms.sent) == 3

    async with store.uow() as uow:
        [entry] = await uow.settlements.latest()
        assert (entry.delivery_id, entry.username, entry.outcome) == (unknown.id, "rosa",
                                                                      "not_sent")
    for statement in ("UPDATE delivery_settlements SET username = 'x'",
                      "DELETE FROM delivery_settlements"):
        async with store.engine.connect() as conn:
            with pytest.raises(Exception, match="append-only"):
                await conn.execute(text(statement))


async def test_claims_and_records_of_several_rows_at_once_on_either_database(store, clock):
    """The sender's claims and records are statements built once (the ids one expanding
    parameter; a record's provider ids set by one statement run for each row): each row is
    claimed once, each sent row gets its own provider id, one already known is kept, and a row
    that is no longer being sent is left as it is."""
    from notifications.domain.delivery import Status

    person = new_id()
    await store.person(person, preferred_channel="sms")
    for case in (new_id() for _ in range(5)):
        await store.deliver(request(case, person, channel="sms", at=clock()), subject=case)
    ids = [d.id for d in await store.deliveries(recipient_id=person)]
    assert len(ids) == 5
    first, failed, known, last, also = ids

    async with store.uow() as uow:
        assert await uow.deliveries.claim_all(ids, clock()) == set(ids)
        await uow.commit()
    async with store.uow() as uow:
        assert await uow.deliveries.claim_all(ids, clock()) == set()  # none twice
        await uow.deliveries.finish(failed, Status.FAILED, clock(), reason="x")
        await uow.deliveries.finish(known, Status.UNKNOWN, clock(), provider_id="SMknown")
        assert await uow.deliveries.finish_sent(
            {first: "SMfirst", failed: "SMfailed", known: None}, clock()) == {first, known}
        assert await uow.deliveries.finish_sent(  # two provider ids at once: each its own
            {last: "SMlast", also: "SMalso"}, clock()) == {last, also}
        await uow.commit()

    rows = {d.id: d for d in await store.deliveries(recipient_id=person)}
    assert [(rows[i].status, rows[i].provider_id, rows[i].attempts) for i in ids] == [
        ("sent", "SMfirst", 1), ("failed", None, 1), ("sent", "SMknown", 1),
        ("sent", "SMlast", 1), ("sent", "SMalso", 1)]
    assert all(rows[i].finished_at is not None for i in ids)


async def test_recording_any_number_of_sent_rows_keeps_no_statement_per_number(store, clock):
    """A burst's records hold any number of rows from 1 to a batch. A statement built for each
    number (one CASE arm a row) left one compiled form per number in SQLAlchemy's cache: about
    20 MB for every number from 1 to 100, which notifications kept after a fan-out."""
    import gc
    import tracemalloc

    async def record(rows: int) -> None:
        async with store.uow() as uow:
            await uow.deliveries.finish_sent({new_id(): f"SM{k}" for k in range(rows)}, clock())
            await uow.commit()

    await record(1)  # the first use of each statement, compiled once, is not the growth
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for rows in range(2, 61):
            await record(rows)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 1_000_000, f"{grown / 1e6:.1f} MB kept after recording 2 to 60 rows"
