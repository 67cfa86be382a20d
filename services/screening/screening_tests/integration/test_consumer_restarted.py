"""A consumer whose group coordination ends on an error aiokafka did not expect fetches nothing
again: after a broker restart in CI (uvloop's RuntimeError on a closed connection), screening
decided no request until it was restarted by hand, and looked healthy meanwhile. The service
now starts such a consumer afresh, and the requests that came since are decided, once."""
import asyncio
import uuid
from collections import Counter

import pytest

from vod_devtools.migrated import migrated
from vod_devtools.testing import produce, read_topic, wait_until
from vod_shared import runtime as service_runtime
from vod_shared.envelope import from_kafka, new_envelope, to_kafka

from screening.bootstrap import MIGRATIONS, bootstrap

from .test_eligibility_over_kafka import _request, _settings

pytestmark = pytest.mark.integration


def _end_its_coordination(consumer) -> None:
    """The coordinator lost, and looking for it again fails as uvloop's closed transport did."""
    async def lookup_fails(*args, **kwargs):
        raise RuntimeError("unable to perform operation on <TCPTransport closed=True>; "
                           "the handler is closed")

    consumer._client.coordinator_lookup = lookup_fails
    consumer._coordinator.coordinator_dead()


def _requests(count: int):
    return [to_kafka(new_envelope(_request(case_id), source="/services/intake", subject=case_id))
            for case_id in (str(uuid.uuid4()) for _ in range(count))]


async def test_a_consumer_whose_coordination_ended_is_started_afresh_and_decides_what_came(
        kafka_bootstrap, topic_prefix, tmp_path, monkeypatch):
    monkeypatch.setattr(service_runtime, "CONSUMER_CHECK_S", 0.5)
    settings = _settings(kafka_bootstrap, topic_prefix,
                         f"sqlite+aiosqlite:///{tmp_path / 'screening.db'}")
    runtime, app = bootstrap(settings)
    await migrated(runtime.engine, MIGRATIONS)
    before, after = _requests(3), _requests(3)
    async with runtime.lifespan(app):
        await produce(kafka_bootstrap, settings.topics.intake, *((r.key, r.value) for r in before))
        await read_topic(kafka_bootstrap, settings.topics.screening, at_least=3, settle=0)
        # The paths to aiokafka's background tasks the service watches are still there.
        sender = service_runtime._producer_sender_task(runtime.broker)
        assert sender is not None and not sender.done()
        [main] = [s for group, s in runtime._subscribers if not group.endswith("-keys")]
        consumer = main.consumer
        assert service_runtime._coordination_ended(consumer) is None
        _end_its_coordination(consumer)
        await produce(kafka_bootstrap, settings.topics.intake, *((r.key, r.value) for r in after))
        assert await wait_until(lambda: main.consumer is not None and main.consumer is not consumer,
                                timeout=30)  # started afresh
        decided = await read_topic(kafka_bootstrap, settings.topics.screening, at_least=6,
                                   timeout=60, settle=2)

    cases = Counter(from_kafka(record.value).data.case_id for record in decided)
    asked = {from_kafka(r.value).data.case_id for r in before + after}
    assert set(cases) == asked and set(cases.values()) == {1}  # each decided, once


async def test_a_restart_whose_stop_is_cut_off_leaves_nothing_of_the_old_consumer_open(
        kafka_bootstrap, topic_prefix, tmp_path, monkeypatch):
    monkeypatch.setattr(service_runtime, "CONSUMER_CHECK_S", 0.5)
    monkeypatch.setattr(service_runtime, "CONSUMER_RESTART_WAIT_S", 2.0)
    settings = _settings(kafka_bootstrap, topic_prefix,
                         f"sqlite+aiosqlite:///{tmp_path / 'screening.db'}")
    runtime, app = bootstrap(settings)
    await migrated(runtime.engine, MIGRATIONS)
    async with runtime.lifespan(app):
        [main] = [s for group, s in runtime._subscribers if not group.endswith("-keys")]
        assert await wait_until(lambda: main.consumer is not None and main.consumer.assignment(),
                                timeout=30)
        old = main.consumer

        async def no_answer() -> None:  # its LeaveGroup is never answered (aiokafka waits 40 s)
            await asyncio.Event().wait()

        old._coordinator._maybe_leave_group = no_answer
        _end_its_coordination(old)
        assert await wait_until(lambda: main.consumer is not None and main.consumer is not old,
                                timeout=30)
        assert old._fetcher._fetch_task.done()  # no fetches on the old consumer's behalf
        assert not [conn for conn in old._client._conns.values() if conn.connected()]  # nor
        assert old._client._sync_task is None  # connections, nor its metadata task
