"""A batch of custody news and registrations (who follows each offender and who was erased read
ahead together, the batch's rows written together) leaves the store exactly as the same events
applied one at a time do, including those that read what an earlier one in the batch wrote or
changed; and a poison one in the middle is parked alone."""
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import text
from structlog.testing import capture_logs

from vod_shared import events as e
from vod_shared.consumer import DeadLetters, EventConsumer, Record
from vod_shared.db import create_engine, session_factory
from vod_shared.envelope import new_envelope, to_kafka
from vod_shared.migrations import upgrade_to_head
from vod_shared.sealing import KeyDirectory

from notifications.adapters.contacts import ContactKeys
from notifications.bootstrap import MIGRATIONS, event_handlers
from notifications.service_layer.staff_alerts import StaffAlerts
from notifications.service_layer.unit_of_work import UnitOfWork

from ..support import FakeClock, custody, eligibility, new_id, registration, request

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=timezone.utc)
EVERY_KIND = list(e.CustodyNoticeKind)


def events() -> tuple[list, dict]:
    """Some 120 events (two batches of up to 100): transfers of offenders two registrants follow
    and of one nobody does; a registration read after a change it must then be told of, and a
    change after it; a registration cancelled, and a registrant erased (and a registration of
    hers read after), each between two changes; an escape (every channel); one change delivered
    twice; requests: one after its answer in the same batch, one after an answer parked in the
    batch before, one by a requester erased before it, one closed after. Returns the envelopes
    and the tricky ones by name."""
    followed = [f"BF{n:04d}" for n in range(4)]
    late, cancelled, erased = (f"BL{uuid.uuid4().hex[:4].upper()}" for _ in range(3))
    known = [registration(new_id(), new_id(), notify_on=EVERY_KIND, cdcr=cdcr, channel=channel,
                          at=NOW - timedelta(days=30))
             for cdcr in followed for channel in ("sms", "email")]
    case_id, parked_early, parked_before, erased_requester = new_id(), new_id(), new_id(), new_id()
    her_case, her_requester, ended_case = new_id(), new_id(), new_id()
    named = dict(
        answer_before_request=eligibility(parked_early, "eligible", at=NOW),
        request_after_answer=request(parked_early, new_id(), at=NOW),
        request_after_last_batch=request(parked_before, new_id(), at=NOW),
        request_of_erased=request(new_id(), erased_requester, at=NOW),
        her_case_erased=e.PersonErased(person_id=her_requester, at=NOW),
        closed_after_erasure=e.CaseClosed(case_id=her_case, reason="bench", at=NOW),
        closed=e.CaseClosed(case_id=case_id, reason="bench", at=NOW),
        to_cancel=registration(new_id(), new_id(), notify_on=EVERY_KIND, cdcr=cancelled, at=NOW),
        to_erase=registration(new_id(), new_id(), notify_on=EVERY_KIND, cdcr=erased, at=NOW),
        twice=custody("transfer", at=NOW, cdcr=followed[0]),
        before_joining=custody("transfer", at=NOW, cdcr=late),
        joining=registration(new_id(), new_id(), notify_on=EVERY_KIND, cdcr=late,
                             at=NOW - timedelta(hours=1)),
        after_joining=custody("release", at=NOW, cdcr=late),
        before_cancel=custody("transfer", at=NOW, cdcr=cancelled),
        after_cancel=custody("release", at=NOW, cdcr=cancelled),
        before_erasure=custody("transfer", at=NOW, cdcr=erased),
        after_erasure=custody("release", at=NOW, cdcr=erased),
        after_her_late_registration=custody("parole_hearing", at=NOW, cdcr=erased),
        escape=custody("escape", at=NOW, cdcr=followed[1], status="escaped"),
        request=request(case_id, new_id(), at=NOW),
    )
    n = named
    batch = [  # the registrations in the first batch of 100, the tricky ones in the second
        *known, n["to_cancel"], n["to_erase"],
        eligibility(parked_before, "eligible", at=NOW),  # parked: its request comes later
        request(her_case, her_requester, at=NOW), request(ended_case, new_id(), at=NOW),
        *(custody("transfer", at=NOW, cdcr=followed[k % 4] if k % 3 else "BN9999")
          for k in range(86)),
        e.PersonErased(person_id=erased_requester, at=NOW),  # after the transfers: it drops
        # what was read ahead, and they must be told from registrations added in this batch
        n["twice"], n["twice"],
        # requests and news of cases, read ahead; each write drops what it changes
        n["request"],
        e.EligibilityDetermined(case_id=case_id, outcome="eligible", reason="in_state_prison",
                                cdcr_number="AB1234", decided_at=NOW),
        n["answer_before_request"], n["request_after_answer"], n["request_after_last_batch"],
        n["request_of_erased"], n["closed"],
        e.CaseClosed(case_id=ended_case, reason="bench", at=NOW),
        e.CasePaused(case_id=ended_case, by=e.ActedBy.VICTIM, at=NOW),  # ended: changes nothing
        *(request(new_id(), new_id(), at=NOW) for _ in range(5)),
        # each of these drops what was read ahead: the next change must not be told from it
        n["before_cancel"],
        e.RegistrationCancelled(registration_id=n["to_cancel"].registration_id,
                                registrant_id=n["to_cancel"].registrant_id, at=NOW),
        n["after_cancel"], n["before_erasure"],
        e.PersonErased(person_id=n["to_erase"].registrant_id, at=NOW), n["after_erasure"],
        registration(new_id(), n["to_erase"].registrant_id, notify_on=EVERY_KIND, cdcr=erased,
                     at=NOW),  # read late, after her erasure
        n["after_her_late_registration"],
        n["before_joining"], n["joining"], n["after_joining"],
        n["her_case_erased"], n["closed_after_erasure"], n["escape"],
    ]
    envelopes, made = [], {}
    for data in batch:  # the same object twice is the same event delivered twice
        if id(data) not in made:
            made[id(data)] = new_envelope(data, source="/services/test", time=NOW,
                                          subject=getattr(data, "cdcr_number", None) or new_id())
        envelopes.append(made[id(data)])
    return envelopes, {name: made[id(data)] for name, data in named.items()}


async def store_after(tmp_path, envelopes, *, batch: int, poison: str | None = None) -> dict:
    """The store once ``envelopes`` are consumed ``batch`` at a time (``poison``: the id of a
    custody change whose handler fails)."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'notifications.db'}")
    await upgrade_to_head(engine, MIGRATIONS)
    KeyDirectory(tmp_path / "keys").init()
    sessions = session_factory(engine)

    def uow() -> UnitOfWork:
        return UnitOfWork(sessions, source="/services/notifications")
    handlers = event_handlers(FakeClock(NOW), StaffAlerts(), keys=ContactKeys(tmp_path / "keys"))
    if poison:
        told = handlers[e.CustodyStatusChanged]

        async def poisoned(envelope, unit):
            if envelope.id == poison:
                raise ValueError("a record no retry can fix")
            await told(envelope, unit)
        handlers[e.CustodyStatusChanged] = poisoned
    parked = []

    async def park(topic, key, value, headers):
        parked.append(value)

    consumer = EventConsumer(name="notifications", uow=uow, handlers=handlers, max_attempts=1,
                             backoff_s=0, dead_letters=DeadLetters(park, consumer="notifications"))
    records = [Record("test", 0, offset, *_kafka(envelope))
               for offset, envelope in enumerate(envelopes)]
    with capture_logs() as logged:
        for start in range(0, len(records), batch):
            await consumer.consume_batch(records[start:start + batch])
    async with engine.connect() as conn:
        async def rows(sql: str) -> list:
            return [tuple(row) for row in (await conn.execute(text(sql))).all()]
        store = {
            "deliveries": await rows(
                "SELECT cause_event_id, recipient_id, channel, template, subject, status, params,"
                " urgent, due_at, follows_preference FROM deliveries ORDER BY seq"),
            "custody": await rows("SELECT event_id, cdcr_number, payload FROM custody_changes "
                                  "ORDER BY event_id"),
            "observed": await rows("SELECT event_id, event_type, subject FROM observed_events "
                                   "ORDER BY event_id"),
            "registrations": await rows("SELECT registration_id, registrant_id, cdcr_number, "
                                        "cancelled_at FROM registrations ORDER BY 1"),
            "erased": await rows("SELECT person_id FROM erased_people"),
            "cases": await rows("SELECT case_id, state FROM cases ORDER BY case_id"),
            "parked_events": await rows("SELECT event_id, case_id FROM parked_events "
                                        "ORDER BY seq"),
            "inbox": await rows("SELECT event_id FROM inbox ORDER BY event_id"),
            "parked": parked,
            # a batch that had to be split down (a record, or the commit, failed)
            "splits": [line for line in logged if line["event"] == "batch.split"],
        }
    await engine.dispose()
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
    told: dict[str, list[str]] = {}
    for cause, recipient, *_ in batched["deliveries"]:
        told.setdefault(cause, []).append(recipient)

    def heard(name: str) -> list[str]:
        return told.get(named[name].id, [])
    # the registration read after a change is told of it (when it reads it), and of the next
    joining = named["joining"].data.registrant_id
    assert heard("before_joining") == heard("after_joining") == [joining]
    # a cancelled registration, and an erased registrant, hear of the change before, not after
    assert heard("before_cancel") == [named["to_cancel"].data.registrant_id]
    assert heard("after_cancel") == []
    assert heard("before_erasure") == []  # forgotten with her
    assert heard("after_erasure") == heard("after_her_late_registration") == []
    assert len(heard("twice")) == 2  # delivered twice, told once to each of its registrants
    escape = [row for row in batched["deliveries"] if row[0] == named["escape"].id]
    assert len(escape) == 4 and {row[2] for row in escape} == {"sms", "email"}  # every channel
    assert len(batched["inbox"]) == len(envelopes) - 1
    assert len(batched["cases"]) == 10 and batched["parked"] == []  # hers erased
    assert batched["parked_events"] == [(named["closed_after_erasure"].id, named[
        "closed_after_erasure"].data.case_id)]  # her case is gone: kept for a request
    # an answer read before its request waited for it, in this batch or the one before
    assert len(heard("answer_before_request")) == 1 and len(heard("request_after_answer")) == 1
    assert heard("request_of_erased") == []  # she was erased before her request was read
    assert dict(batched["cases"])[named["closed"].data.case_id] == "closed"


async def test_a_poison_change_in_a_batch_is_parked_and_the_others_applied(tmp_path):
    envelopes, _named = events()
    poison = next(envelope for envelope in envelopes[60:] if envelope.subject == "BN9999")
    (tmp_path / "one").mkdir()
    (tmp_path / "batch").mkdir()
    store = await store_after(tmp_path / "batch", envelopes, batch=100, poison=poison.id)
    assert store["parked"] == [_kafka(poison)[1]]
    assert poison.id not in {event_id for (event_id,) in store["inbox"]}
    assert len(store["inbox"]) == len(envelopes) - 2  # all but the poison one and the copy
    without = await store_after(tmp_path / "one", [x for x in envelopes if x is not poison],
                                batch=1)
    # the others applied as if the poison one had never come, in the same order
    assert store["deliveries"] == without["deliveries"]
    assert store["custody"] == without["custody"]
