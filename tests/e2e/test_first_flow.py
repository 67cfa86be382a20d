"""A signed request to intake travels through the real broker to every service."""
import base64
import json
import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from vod_devtools.testing import read_topic, wait_until
from vod_devtools.webhooks import signed_headers
from vod_shared.envelope import from_kafka

from .services import SERVICES

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
SECRET = "whsec_" + base64.b64encode(uuid.uuid4().bytes * 2).decode()


def _signed(body: bytes) -> dict[str, str]:
    return signed_headers(body, SECRET)


async def _rows(url: str, query: str) -> list:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text(query))).all()
    finally:
        await engine.dispose()


async def test_a_signed_request_is_announced_decided_and_seen_by_every_service(
        service_env, processes, database_url_factory, kafka_bootstrap, topic_prefix):
    urls = {name: database_url_factory(name) for name in SERVICES}
    started = {name: processes(name, service_env | {
        f"{name.upper()}_DATABASE_URL": urls[name], "INTAKE_WEBHOOK_SECRET": SECRET}, wait=False)
        for name in SERVICES}
    for process in started.values():  # started together: one start's time, not four
        process.wait_healthy(90.0)

    body = json.dumps({
        "kind": "dialogue_request",
        "requester": {"given_name": "Ana", "family_name": "López", "relationship": "victim",
                      "email": "ana.lopez@example.org", "preferred_language": "es",
                      "preferred_channel": "email"},
        "offender": {"cdcr_number": "AB1234"},
    }).encode()
    response = httpx.post(f"{started['intake'].url}/webhooks/requests", content=body,
                          headers=_signed(body), timeout=10)
    assert response.status_code == 202, response.text
    case_id = response.json()["case_id"]

    [announced] = await read_topic(kafka_bootstrap, f"{topic_prefix}vod.intake", at_least=1)
    assert announced.key.decode() == case_id
    assert dict(announced.headers)["content-type"] == b"application/cloudevents+json"
    request = from_kafka(announced.value)
    assert (request.type, request.subject, request.source) == (
        "vod.RequestReceived.v1", case_id, "/services/intake")
    assert b"ana.lopez" not in announced.value and "López".encode() not in announced.value

    [decided] = await read_topic(kafka_bootstrap, f"{topic_prefix}vod.screening", at_least=1)
    decision = from_kafka(decided.value)
    assert decided.key.decode() == case_id
    assert (decision.type, decision.data.outcome) == ("vod.EligibilityDetermined.v1", "needs_review")

    async def scheduling_saw_the_decision() -> bool:
        rows = await _rows(urls["scheduling"], "SELECT stage FROM cases")
        return [tuple(r) for r in rows] == [("needs_review",)]

    async def notifications_saw_both() -> bool:
        rows = await _rows(urls["notifications"], "SELECT event_type FROM observed_events")
        return sorted(r[0] for r in rows) == [
            "vod.EligibilityDetermined.v1", "vod.RequestReceived.v1"]

    assert await wait_until(scheduling_saw_the_decision, timeout=30)
    assert await wait_until(notifications_saw_both, timeout=30)
    for name, process in started.items():
        assert httpx.get(f"{process.url}/healthz").json()["status"] == "ok", name
