"""Screening over the real broker and a real store (SQLite and PostgreSQL)."""
import json
import uuid
from datetime import datetime, timezone

import pytest

from vod_devtools.migrated import migrated
from vod_devtools.testing import produce, read_topic
from vod_shared.envelope import from_kafka, new_envelope, to_kafka
from vod_shared.events import EligibilityDetermined, RequestReceived

from screening.bootstrap import MIGRATIONS, bootstrap
from screening.config import Settings

pytestmark = pytest.mark.integration


def _request(case_id: str) -> RequestReceived:
    return RequestReceived(
        case_id=case_id, reference="VOD-2026-000001", requester_id=str(uuid.uuid4()),
        relationship="victim", cdcr_number="AB1234", preferred_language="es",
        preferred_channel="email", source="webhook", received_at=datetime.now(timezone.utc))


def _settings(kafka_bootstrap, topic_prefix, url) -> Settings:
    return Settings(KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap, VOD_TOPIC_PREFIX=topic_prefix,
                    SCREENING_DATABASE_URL=url, KAFKA_SESSION_TIMEOUT_MS=6000,
                    OUTBOX_POLL_INTERVAL_S=0.2, CONSUMER_RETRY_BACKOFF_S=0.05)


async def test_a_request_is_decided_once_even_when_redelivered_and_garbage_is_parked(
        kafka_bootstrap, topic_prefix, database_url_factory):
    settings = _settings(kafka_bootstrap, topic_prefix, database_url_factory("screening"))
    runtime, app = bootstrap(settings)
    await migrated(runtime.engine, MIGRATIONS)  # the store made here: no child at start
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    request = to_kafka(new_envelope(_request(first), source="/services/intake", subject=first))
    later = to_kafka(new_envelope(_request(second), source="/services/intake", subject=second))
    async with runtime.lifespan(app):
        await produce(kafka_bootstrap, settings.topics.intake,
                      (request.key, request.value),
                      (request.key, request.value),          # the same event id, redelivered
                      (b"junk", b'{"specversion": "1.0", "type": '),  # not even JSON
                      (later.key, later.value))
        decided = await read_topic(kafka_bootstrap, settings.topics.screening, at_least=2, settle=2)
        parked = await read_topic(kafka_bootstrap, settings.topics.dlq(settings.topics.intake),
                                  at_least=1, settle=0)

    decisions = [from_kafka(r.value) for r in decided]
    assert sorted(d.subject for d in decisions) == sorted([first, second])
    for record, decision in zip(decided, decisions):
        assert record.key.decode() == decision.subject == decision.data.case_id
        assert isinstance(decision.data, EligibilityDetermined)
        assert decision.data.outcome == "needs_review" and decision.data.reason == "not_in_registry"
        assert decision.source == "/services/screening"
    [dead] = parked
    headers = dict(dead.headers)
    assert dead.value == b'{"specversion": "1.0", "type": '
    assert headers["dlq-reason"].startswith(b"undecodable")
    assert headers["dlq-original-topic"].decode() == settings.topics.intake
    assert json.loads(decided[0].value)["specversion"] == "1.0"
