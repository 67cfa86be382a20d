"""The outbox relay killed (exit 137, as kill -9) between the broker's acknowledgement of an
event and the mark that it was published, with many events in flight: after the restart every
decision is on the topic, none lost, and what went twice went with the same event id (which
every consumer's inbox drops)."""
import uuid
from collections import defaultdict
from datetime import datetime, timezone

import pytest

from vod_devtools.testing import produce, read_topic
from vod_shared.envelope import from_kafka, new_envelope, to_kafka
from vod_shared.events import RequestReceived

from .services import ServiceProcess

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
CASES, KILLED_AT = 120, 40


def _request(case_id: str, n: int):
    data = RequestReceived(
        case_id=case_id, reference=f"VOD-2026-{n:06d}", requester_id=str(uuid.uuid4()),
        relationship="victim", cdcr_number="C12345", preferred_language="en",
        preferred_channel="email", source="phone", received_at=datetime.now(timezone.utc))
    record = to_kafka(new_envelope(data, source="/services/intake", subject=case_id))
    return record.key, record.value


async def test_killed_between_ack_and_mark_loses_nothing_and_repeats_only_by_id(
        service_env, processes, kafka_bootstrap, topic_prefix, tmp_path):
    cases = [str(uuid.uuid4()) for _ in range(CASES)]
    doomed = ServiceProcess("screening", service_env | {
        "VOD_FAILPOINT": f"screening.relay.after_publish:{KILLED_AT}"}, tmp_path)
    doomed.start()
    await produce(kafka_bootstrap, f"{topic_prefix}vod.intake",
                  *(_request(case, n) for n, case in enumerate(cases)))
    assert doomed.wait_exit(120) == 137, doomed.log()[-2000:]

    processes("screening", service_env)
    decided = await read_topic(kafka_bootstrap, f"{topic_prefix}vod.screening",
                               at_least=CASES, timeout=120, settle=3)
    ids_by_case, published = defaultdict(set), 0
    for record in decided:
        event = from_kafka(record.value)
        if event.type != "vod.EligibilityDetermined.v1":
            continue
        assert record.key.decode() == event.subject
        ids_by_case[event.subject].add(event.id)
        published += 1
    assert sorted(ids_by_case) == sorted(cases)  # every decision, none lost
    assert all(len(ids) == 1 for ids in ids_by_case.values())  # one decision each
    assert published > CASES  # the acknowledged but unmarked went again, same ids
