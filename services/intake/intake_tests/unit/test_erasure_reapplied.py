"""Erasures made again after a restore (``intake.service_layer.reapply``): a store restored from
before her erasure holds her key and details again; each person announced erased on vod.people
whom the store still holds is erased again (reason ``reapplied_after_restore``, via
``restore``), announced again, and nobody twice. Forged or unreadable records on the topic are
not erasures."""
import json
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from vod_shared.envelope import new_envelope, to_kafka
from vod_shared.events import PersonErased
from vod_shared.sealing import ERASED, CannotUnseal

from intake.adapters.erasures_announced import _erasures
from intake.adapters.orm import erasures, subject_keys
from intake.service_layer.reapply import reapply_erasures

from ..conftest import dialogue_request


async def _her(intake) -> tuple[str, str, dict]:
    case_id = (await intake.post(dialogue_request())).json()["case_id"]
    person = next(e for e in await intake.events() if e["type"] == "vod.PersonRegistered.v1")
    return person["subject"], case_id, person


async def _rows(intake, table) -> list:
    async with intake.runtime.engine.connect() as conn:
        return (await conn.execute(select(table))).all()


async def _reapply(intake, announced) -> list[str]:
    state = intake.app.state.intake
    return await reapply_erasures(announced, runtime=state.runtime, ctx=state.context, by=None)


async def test_a_person_erased_since_the_backup_is_erased_again_once(intake):
    person_id, case_id, person = await _her(intake)  # the store as the backup kept it
    announced = [PersonErased(person_id=person_id, at=intake.clock(), subjects=[case_id])]

    assert await _reapply(intake, announced) == [person_id]

    assert await _rows(intake, subject_keys) == []
    with pytest.raises(CannotUnseal) as refused:
        await intake.open(person["data"]["sealed"], about=person_id)
    assert refused.value.reason == ERASED
    [logged] = await _rows(intake, erasures)
    assert (logged.person_id, logged.reason, logged.via, logged.by) == (
        person_id, "reapplied_after_restore", "restore", None)
    again = [json.loads(r.value) for r in await intake.outbox(topic=None)
             if r.event_type == "vod.PersonErased.v1"]
    assert [e["data"]["person_id"] for e in again] == [person_id]  # the others are told
    tombstones = {r.key for r in await intake.outbox(topic="vod.keys")
                  if r.event_type == "tombstone"}
    assert any(key.startswith(f"{person_id}/") for key in tombstones)

    assert await _reapply(intake, announced) == []  # idempotent
    assert len(await _rows(intake, erasures)) == 1


async def test_nobody_the_store_does_not_hold_is_erased(intake):
    person_id, case_id, _ = await _her(intake)
    stranger = PersonErased(person_id="b7a0c3a2-0000-4000-8000-000000000000", at=intake.clock(),
                            subjects=[])
    assert await _reapply(intake, [stranger]) == []
    assert len(await _rows(intake, subject_keys)) == 2  # hers and her case's, untouched
    assert await _rows(intake, erasures) == []


def _record(data, *, source: str) -> SimpleNamespace:
    envelope = new_envelope(data, source=source, subject=data.person_id)
    return SimpleNamespace(value=to_kafka(envelope).value)


def test_only_intakes_own_readable_announcements_are_erasures():
    now = datetime.now(timezone.utc)
    real = PersonErased(person_id="p-1", at=now, subjects=[])
    forged = PersonErased(person_id="p-2", at=now, subjects=[])
    records = [_record(real, source="/services/intake"),
               _record(forged, source="/services/screening"),
               SimpleNamespace(value=None), SimpleNamespace(value=b"not json")]
    assert [e.person_id for e in _erasures(records, "/services/intake")] == ["p-1"]
