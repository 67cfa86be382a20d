"""A batch of news about cases (the cases it names read ahead with their children, the cases
and history lines it adds written together) leaves the store exactly as the same events applied
one at a time do, including those that read a case an earlier one in the batch opened or
changed; and a poison one in the middle is parked alone."""
import uuid

from sqlalchemy import text
from structlog.testing import capture_logs

from vod_shared import events as e
from vod_shared.consumer import DeadLetters, EventConsumer, Record
from vod_shared.envelope import new_envelope, to_kafka

from scheduling.bootstrap import event_handlers
from scheduling_tests.builders import Clock, facilitator, facility, pacific
from scheduling_tests.conftest import SOURCES, approved, eligible, request, start_app

NOW = pacific(2026, 3, 2, 8)
FACILITATORS = [facilitator(name, capacity=5, region="north") for name in ("ana", "ben", "cy")]


def events() -> tuple[list, dict]:
    """Two batches of up to 100. The first: 30 requests, their answers, 20 approvals (cases on
    the wait list, given facilitators). The second: answers that open cases (one of them
    ending its case, which looks at the wait list), the requests of two of them after it, a
    withdrawal and a pause of cases the first batch opened, an escape of an offender with open
    cases, and one answer delivered twice."""
    first = [str(uuid.uuid4()) for _ in range(30)]
    second = [str(uuid.uuid4()) for _ in range(30)]
    twice = eligible(second[0], cdcr_number="AB9000")
    named = dict(
        ends=e.EligibilityDetermined(case_id=second[1], outcome="ineligible", reason="discharged",
                                     cdcr_number="AB9001", decided_at=NOW, ends_case=True),
        opened_then_requested=request(second[2], cdcr_number="AB9002"),
        withdrawn=e.CaseWithdrawn(case_id=first[3], by=e.ActedBy.VICTIM, at=NOW),
        paused=e.CasePaused(case_id=first[4], by=e.ActedBy.VICTIM, at=NOW),
        escape=e.CustodyStatusChanged(change_id=str(uuid.uuid4()), cdcr_number="AB1234",
                                      change="escape", status="escaped", effective_at=NOW),
    )
    batch = [
        *(request(case_id) for case_id in first), *(eligible(case_id) for case_id in first),
        *(approved(case_id) for case_id in first[:20]),
        *(eligible(case_id, cdcr_number=f"AB9{n:03d}") for n, case_id in enumerate(second)
          if n not in (0, 1)),
        twice, twice, named["ends"], named["opened_then_requested"], named["withdrawn"],
        named["paused"], request(second[3], cdcr_number="AB9003"), named["escape"],
        *(approved(case_id) for case_id in second[5:15]),
    ]
    envelopes, made = [], {}
    for data in batch:  # the same object twice is the same event delivered twice
        if id(data) not in made:
            source = SOURCES.get(data.event_name, "screening")
            subject = getattr(data, "case_id", None) or data.cdcr_number
            made[id(data)] = new_envelope(data, source=f"/services/{source}", time=NOW,
                                          subject=subject)
        envelopes.append(made[id(data)])
    return envelopes, {name: made[id(data)] for name, data in named.items()}


async def store_after(tmp_path, envelopes, *, batch: int, poison: str | None = None) -> dict:
    """The store once ``envelopes`` are consumed ``batch`` at a time (``poison``: the id of an
    answer whose handler fails)."""
    app = await start_app(tmp_path, Clock(NOW))
    async with app.runtime.uow() as uow:
        await uow.facilities.put(facility("SQ"))
        for person in FACILITATORS:
            await uow.facilitators.add(person)
        await uow.commit()
    await app.grant(*{envelope.data.case_id for envelope in envelopes
                      if isinstance(envelope.data, e.RequestReceived)})
    handlers = event_handlers(app.app.state.ctx)
    if poison:
        decide = handlers[e.EligibilityDetermined]

        async def poisoned(envelope, uow):
            if envelope.id == poison:
                raise ValueError("a record no retry can fix")
            await decide(envelope, uow)
        handlers[e.EligibilityDetermined] = poisoned
    parked = []

    async def park(topic, key, value, headers):
        parked.append(value)

    consumer = EventConsumer(name="scheduling", uow=app.runtime.uow, handlers=handlers,
                             max_attempts=1, backoff_s=0,
                             dead_letters=DeadLetters(park, consumer="scheduling"))
    records = [Record("vod.test", 0, offset, *_kafka(envelope))
               for offset, envelope in enumerate(envelopes)]
    with capture_logs() as logged:
        for start in range(0, len(records), batch):
            await consumer.consume_batch(records[start:start + batch])
    async with app.runtime.engine.connect() as conn:
        async def rows(sql: str) -> list:
            return [tuple(row) for row in (await conn.execute(text(sql))).all()]
        store = {table: await rows(f"SELECT * FROM {table} ORDER BY case_id")
                 for table in ("cases", "meetings", "sessions", "clearances")}
        store |= {
            "surveys": await rows("SELECT case_id, party, stage, due_at, status FROM surveys "
                                  "ORDER BY case_id, party, stage"),  # not their random ids
            "assignments": await rows("SELECT case_id, position, reason, facilitator_ids "
                                      "FROM assignments ORDER BY case_id, position"),
            "alerts": await rows("SELECT case_id, kind, detail FROM alerts ORDER BY case_id, at"),
            "history": await rows("SELECT case_id, event_type, data, at FROM case_history "
                                  "ORDER BY id"),
            "outbox": await rows("SELECT key, event_type FROM outbox ORDER BY seq"),
            "inbox": await rows("SELECT event_id FROM inbox WHERE consumer = 'scheduling' "
                                "ORDER BY event_id"),
            "parked": parked,
        }
    # a batch that had to be split down (a record, or the commit, failed)
    store["splits"] = [line for line in logged if line["event"] == "batch.split"]
    await app.close()
    return store


def _kafka(envelope) -> tuple[bytes, bytes]:
    record = to_kafka(envelope)
    return record.key, record.value


async def test_a_batch_leaves_the_store_as_one_at_a_time_does(tmp_path):
    envelopes, named = events()
    (tmp_path / "one").mkdir()
    (tmp_path / "batch").mkdir()
    one_at_a_time = await store_after(tmp_path / "one", envelopes, batch=1)
    batched = await store_after(tmp_path / "batch", envelopes, batch=100)

    assert batched == one_at_a_time
    assert batched["splits"] == []  # each batch in one transaction, nothing failed
    assert batched["parked"] == [] and len(batched["inbox"]) == len(envelopes) - 1
    stages = {row[0]: row[2] for row in batched["cases"]}  # case_id, cdcr_number, stage, ...
    assert len(stages) == 60
    assert stages[named["ends"].subject] == "not_eligible"
    assert stages[named["withdrawn"].subject] == "withdrawn"
    assert stages[named["opened_then_requested"].subject] == "awaiting_suitability"
    assigned = {case_id for case_id, *_ in batched["assignments"]}
    assert len(assigned) >= 10  # the wait list was worked through, in both batches
    kinds = {kind for _key, kind in batched["outbox"]}
    assert "vod.FacilitatorAssigned.v1" in kinds


async def test_a_poison_answer_in_a_batch_is_parked_and_the_others_applied(tmp_path):
    envelopes, _named = events()
    poison = next(envelope for envelope in envelopes[100:]
                  if envelope.type == "vod.EligibilityDetermined.v1")
    (tmp_path / "one").mkdir()
    (tmp_path / "batch").mkdir()
    store = await store_after(tmp_path / "batch", envelopes, batch=100, poison=poison.id)
    assert store["parked"] == [_kafka(poison)[1]]
    without = await store_after(tmp_path / "one", [x for x in envelopes if x is not poison],
                                batch=1)
    # the others applied as if the poison one had never come, in the same order
    assert store["history"] == without["history"] and store["outbox"] == without["outbox"]
    assert poison.subject not in {row[0] for row in store["cases"]}
