"""A possible duplicate over the real broker: intake's PossibleDuplicateFound, even ahead of the
requests it names and delivered twice, puts the newer case in the work queue for a person; the
screener's decision is published on the screening topic as DuplicateResolved."""
from datetime import datetime, timezone

import pytest

from vod_devtools.migrated import migrated
from vod_devtools.testing import produce, read_topic, wait_until
from vod_shared import events as e
from vod_shared.envelope import from_kafka, new_envelope, to_kafka
from vod_shared.sealing import KeyDirectory

from screening.bootstrap import MIGRATIONS, bootstrap
from screening.domain.commands import ResolveDuplicate
from screening.service_layer.views import Caller, QueueFilters

from ..conftest import new_cdcr_number, request_for
from .support import settings_for

pytestmark = pytest.mark.integration
NOW = datetime.now(timezone.utc)


def record(data, *, subject: str) -> tuple[bytes, bytes]:
    kafka = to_kafka(new_envelope(data, source="/services/intake", subject=subject))
    return kafka.key, kafka.value


async def test_a_possible_duplicate_waits_for_a_person_and_the_decision_is_published(
        kafka_bootstrap, topic_prefix, database_url_factory, tmp_path):
    KeyDirectory(tmp_path / "keys").init()
    settings = settings_for(kafka_bootstrap, topic_prefix, database_url_factory("screening"), tmp_path)
    topics = settings.topics
    runtime, app = bootstrap(settings)
    await migrated(runtime.engine, MIGRATIONS)  # the store made here: no child at start
    desk = app.state.desk
    cdcr = new_cdcr_number()
    older = request_for(cdcr).model_copy(update={"reference": "VOD-2026-000201"})
    newer = request_for(cdcr).model_copy(update={"reference": "VOD-2026-000202"})
    found = record(e.PossibleDuplicateFound(
        case_id=newer.case_id, other_case_id=older.case_id,
        overlaps=[e.DuplicateOverlap.SAME_PHONE], at=NOW), subject=newer.case_id)

    async def waiting() -> list:
        page = await desk.queue(QueueFilters(possible_duplicate=True))
        return [(entry.case_id, [o.reference for o in entry.duplicate_of])
                for entry in page.entries]

    async def lines(case_id: str) -> list[str]:
        async with runtime.uow() as uow:
            return [line.summary for line in await uow.timeline.of_case(case_id)
                    if "Duplicate" in line.event_type]

    async with runtime.lifespan(app):
        # The finding ahead of both requests, and delivered twice (the same event id).
        await produce(kafka_bootstrap, topics.intake, found, found,
                      record(newer, subject=newer.case_id), record(older, subject=older.case_id))
        assert await wait_until(
            lambda: _equals(waiting(), [(newer.case_id, ["VOD-2026-000201"])]), timeout=30)
        assert await wait_until(lambda: _equals(lines(older.case_id), [
            "Possible duplicate of VOD-2026-000202: the requests give the same phone number — "
            "a person decides whether one requester made both"]), timeout=30)

        await desk.resolve_duplicate(
            ResolveDuplicate(newer.case_id, e.DuplicateDecision.SAME_REQUESTER),
            Caller("rosa", "127.0.0.1", "POST", f"/api/cases/{newer.case_id}/duplicate"))
        published = await read_topic(kafka_bootstrap, topics.screening, at_least=3, settle=1)

    resolved = [(r.key.decode(), from_kafka(r.value)) for r in published]
    resolved = [(key, ev.data) for key, ev in resolved if ev.type == "vod.DuplicateResolved.v1"]
    assert [(key, d.case_id, d.other_case_id, d.decision) for key, d in resolved] == [
        (newer.case_id, newer.case_id, older.case_id, "same_requester")]
    assert await waiting() == []
    assert await lines(newer.case_id) == [
        "Possible duplicate of VOD-2026-000201: the requests give the same phone number — "
        "a person decides whether one requester made both",
        "Possible duplicate of VOD-2026-000201 decided by rosa: the same requester"]
    await runtime.engine.dispose()


async def _equals(value, expected) -> bool:
    return await value == expected
