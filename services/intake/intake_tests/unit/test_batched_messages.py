"""A batch of what notifications sent (its rows for her page written together) leaves the store
exactly as the same events applied one at a time do, copies and redeliveries included; and a
poison one in the middle is parked alone."""
import uuid
from datetime import datetime, timezone

from sqlalchemy import text
from structlog.testing import capture_logs

from vod_shared.consumer import DeadLetters, EventConsumer, Record
from vod_shared.envelope import new_envelope, to_kafka
from vod_shared.events import Channel, NotificationFailed, NotificationSent

from intake.service_layer.her_page import remember_message

from ..conftest import intake_on

AT = datetime(2026, 12, 1, 10, tzinfo=timezone.utc)


def events() -> list:
    """110 events: texts and emails sent or failed, one event delivered twice, and one
    notification told of twice under two event ids (the first one counts)."""
    batch = []
    for n in range(106):
        fields = dict(notification_id=str(uuid.uuid4()), cause_event_id=str(uuid.uuid4()),
                      recipient_id=f"person-{n % 7}", template="custody_transfer",
                      channel=Channel.SMS if n % 2 else Channel.EMAIL)
        batch.append(NotificationFailed(**fields, reason="provider_refused", failed_at=AT)
                     if n % 10 == 3 else NotificationSent(**fields, sent_at=AT))
    again = batch[40].model_copy(update={"template": "custody_release"})
    made = [new_envelope(data, source="/services/notifications", subject=data.recipient_id)
            for data in batch]
    return [*made[:50], made[20], *made[50:], new_envelope(
        again, source="/services/notifications", subject=again.recipient_id)]


async def store_after(tmp_path, envelopes, *, batch: int, poison: str | None = None) -> dict:
    async def remember(envelope, uow):
        if envelope.id == poison:
            raise ValueError("a record no retry can fix")
        await remember_message(envelope, uow)
    parked = []

    async def park(topic, key, value, headers):
        parked.append(value)

    async for intake in intake_on(tmp_path, f"sqlite+aiosqlite:///{tmp_path}/intake.db"):
        consumer = EventConsumer(
            name="intake", uow=intake.runtime.uow, max_attempts=1, backoff_s=0,
            handlers={NotificationSent: remember, NotificationFailed: remember},
            dead_letters=DeadLetters(park, consumer="intake"))
        records = [Record("vod.notifications", 0, offset, to_kafka(e).key, to_kafka(e).value)
                   for offset, e in enumerate(envelopes)]
        with capture_logs() as logged:
            for start in range(0, len(records), batch):
                await consumer.consume_batch(records[start:start + batch])
        async with intake.runtime.engine.connect() as conn:
            rows = (await conn.execute(text(
                "SELECT notification_id, person_id, channel, template, outcome, at "
                "FROM messages_sent ORDER BY notification_id"))).all()
    return {"messages": [tuple(row) for row in rows], "parked": parked,
            "splits": [line for line in logged if line["event"] == "batch.split"]}


async def test_a_batch_leaves_the_store_as_one_at_a_time_does(tmp_path):
    envelopes = events()
    (tmp_path / "one").mkdir()
    (tmp_path / "batch").mkdir()
    one_at_a_time = await store_after(tmp_path / "one", envelopes, batch=1)
    batched = await store_after(tmp_path / "batch", envelopes, batch=100)
    assert batched == one_at_a_time
    assert len(batched["messages"]) == 106 and batched["splits"] == []
    told_twice = [row for row in batched["messages"]
                  if row[0] == envelopes[40].data.notification_id]
    assert [row[3] for row in told_twice] == ["custody_transfer"]  # the first word stands
    assert {row[4] for row in batched["messages"]} == {"sent", "failed"}


async def test_a_poison_one_in_a_batch_is_parked_and_the_others_applied(tmp_path):
    envelopes = events()
    poison = envelopes[70]
    store = await store_after(tmp_path, envelopes, batch=100, poison=poison.id)
    assert store["parked"] == [to_kafka(poison).value]
    kept = {row[0] for row in store["messages"]}
    assert len(kept) == 105 and poison.data.notification_id not in kept
