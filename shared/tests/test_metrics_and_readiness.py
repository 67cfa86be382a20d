"""/metrics and /readyz without a broker: what the consumers count, who may read the metrics,
that no label value is anything but a topic, an event type or an outcome word, and /readyz
naming what is not ready."""
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from fastapi import FastAPI

from vod_shared.consumer import DeadLetters, Record
from vod_shared.db import messaging_metadata
from vod_shared.envelope import new_envelope, to_kafka
from vod_shared.events import CaseClosed
from vod_shared.events.base import registered_types
from vod_shared.metrics import OUTCOMES, SIGNIN_FAILURES, WEBHOOK_OUTCOMES, label_value
from vod_shared.problems import install_problem_handlers
from vod_shared.runtime import ServiceRuntime
from vod_shared.settings import ServiceSettings

HERS = "ana.metrics@example.org"
TOPIC = "t.vod.intake"


class ProbeSettings(ServiceSettings):
    service_name: ClassVar[str] = "probe"


class FakeBroker:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes, dict]] = []

    async def publish(self, topic, key, value, headers):
        self.sent.append((topic, key, value, headers))


async def _runtime(tmp_path: Path, **settings) -> ServiceRuntime:
    # Nothing listens on port 1: the broker is absent.
    runtime = ServiceRuntime(ProbeSettings(KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1",
                                           VOD_DATA_DIR=str(tmp_path), VOD_TOPIC_PREFIX="t.",
                                           **settings),
                             migrations_dir=tmp_path / "none")
    async with runtime.engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
    return runtime


def _client(runtime: ServiceRuntime, host: str = "127.0.0.1") -> httpx.AsyncClient:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(runtime.health_router())
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(host, 40000)),
                             base_url="http://probe")


def _record(offset: int, value: bytes | None, key: bytes = b"case-1") -> Record:
    return Record(topic=TOPIC, partition=0, offset=offset, key=key, value=value)


def _closed(case_id: str, *, source: str = "/services/intake") -> bytes:
    return to_kafka(new_envelope(CaseClosed(case_id=case_id, reason="completed",
                                            at=datetime.now(timezone.utc)),
                                 source=source, subject=case_id)).value


def _with_type(value: bytes, type_name: str) -> bytes:
    event = json.loads(value)
    event["type"] = type_name
    return json.dumps(event).encode()


def _samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    samples = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name_labels, value = line.rsplit(" ", 1)
        name, _, labels = name_labels.partition("{")
        samples.append((name, dict(re.findall(r'(\w+)="([^"]*)"', labels)), float(value)))
    return samples


def _value(text: str, name: str, **labels: str) -> float:
    return sum(v for n, ls, v in _samples(text) if n == name and ls == labels)


async def test_consumers_count_outcomes_and_dead_letters_and_labels_hold_no_data(tmp_path):
    runtime = await _runtime(tmp_path)

    async def handle(envelope, uow):
        pass

    consumer = runtime.consume(TOPIC, handlers={CaseClosed: handle})
    consumer.dead_letters = DeadLetters(FakeBroker().publish, consumer="probe",
                                        metrics=runtime.metrics)
    good = _closed("case-1")
    await consumer.consume(_record(0, good))
    await consumer.consume(_record(1, good))  # redelivered: the inbox drops it
    await consumer.consume(_record(2, b"not a cloudevent " + HERS.encode()))
    # a version nobody knows, and a source that does not own the topic, both about her
    await consumer.consume(_record(3, _with_type(_closed(HERS), "vod.CaseClosed.v9"), HERS.encode()))
    await consumer.consume(_record(4, _closed(HERS, source=f"/services/{HERS}"), HERS.encode()))

    async with _client(runtime) as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    handled = "vod_events_handled_total"
    assert _value(text, handled, type="vod.CaseClosed.v1", outcome="applied") == 1
    assert _value(text, handled, type="vod.CaseClosed.v1", outcome="duplicate") == 1
    assert _value(text, handled, type="vod.CaseClosed.v1", outcome="dead_lettered") == 1
    assert _value(text, handled, type="unknown", outcome="dead_lettered") == 2
    assert _value(text, "vod_dead_letters_total", topic=TOPIC) == 3
    assert _value(text, "vod_handle_seconds_count", type="vod.CaseClosed.v1") == 3
    assert _value(text, "vod_outbox_pending") == 0

    allowed = {"topic": {TOPIC}, "type": set(registered_types()) | {"unknown"},
               "outcome": set(OUTCOMES) | set(WEBHOOK_OUTCOMES), "group": {"t.probe"},
               "reason": set(SIGNIN_FAILURES)}
    for name, labels, _ in _samples(text):
        assert name.startswith("vod_")
        for label, value in labels.items():
            if label == "le":
                assert value == "+Inf" or float(value) > 0
            elif label == "partition":
                assert value.isdigit()
            else:
                assert value in allowed[label], (name, label, value)
    assert "example.org" not in text and "case-1" not in text


def test_a_label_value_that_is_not_a_name_or_word_is_counted_as_other():
    assert label_value("vod.intake.dlq") == "vod.intake.dlq"
    assert label_value(HERS) == "other"
    assert label_value('a"} 1\nvod_x 2') == "other"


async def test_outbox_gauges(tmp_path):
    runtime = await _runtime(tmp_path)
    async with runtime.uow() as uow:
        await uow.emit(CaseClosed(case_id="c", reason="completed", at=datetime.now(timezone.utc)),
                       topic=TOPIC, subject="c")
        await uow.commit()
    async with _client(runtime) as client:
        text = (await client.get("/metrics")).text
    assert _value(text, "vod_outbox_pending") == 1
    assert 0 <= _value(text, "vod_outbox_oldest_seconds") < 60


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
async def test_without_a_token_metrics_are_served_on_loopback(tmp_path, host):
    async with _client(await _runtime(tmp_path), host) as client:
        assert (await client.get("/metrics")).status_code == 200


async def test_without_a_token_others_and_forwarded_requests_are_refused(tmp_path):
    runtime = await _runtime(tmp_path)
    async with _client(runtime, "10.0.0.7") as client:
        refused = await client.get("/metrics")
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    async with _client(runtime) as client:  # a proxy on this machine passing someone's request
        assert (await client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
                ).status_code == 403


async def test_with_a_token_the_bearer_token_is_required(tmp_path):
    runtime = await _runtime(tmp_path, METRICS_TOKEN="metrics-token-for-tests")
    async with _client(runtime) as client:  # loopback is not enough once a token is set
        missing = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        basic = await client.get("/metrics", headers={"Authorization": "Basic bWV0cmljcw=="})
    for refused in (missing, wrong, basic):
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["www-authenticate"].startswith("Bearer")
    async with _client(runtime, "10.0.0.7") as client:
        ok = await client.get("/metrics",
                              headers={"Authorization": "Bearer metrics-token-for-tests"})
    assert ok.status_code == 200 and "vod_dead_letters_total" in ok.text


async def test_readyz_names_the_absent_broker_and_the_unassigned_group(tmp_path):
    runtime = await _runtime(tmp_path)

    async def handle(envelope, uow):
        pass

    runtime.consume(TOPIC, handlers={CaseClosed: handle})
    async with _client(runtime) as client:
        ready = await client.get("/readyz")
        health = await client.get("/healthz")
    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"
    detail = ready.json()["detail"]
    assert "broker" in detail and "consumer group t.probe" in detail
    assert "database" not in detail
    assert health.status_code == 503 and "broker" in health.json()["detail"]


async def test_webhook_calls_are_counted_by_outcome_from_zero(tmp_path):
    from vod_shared.metrics import webhook_call
    from vod_shared.problems import Problem

    runtime = await _runtime(tmp_path)
    async with _client(runtime) as client:
        before = (await client.get("/metrics")).text
    for outcome in WEBHOOK_OUTCOMES:  # there to be seen before the first call
        assert f'vod_webhook_requests_total{{outcome="{outcome}"}} 0.0' in before

    with webhook_call(runtime.metrics):
        pass
    with webhook_call(runtime.metrics) as call:
        call.duplicate = True
    for status, error in ((401, Problem), (422, Problem), (415, Problem), (503, Problem),
                          (None, ValueError)):
        with pytest.raises(Exception):
            with webhook_call(runtime.metrics, invalid=(ValueError,)):
                raise error(status, HERS) if status else error(HERS)
    with pytest.raises(KeyError):
        with webhook_call(runtime.metrics):
            raise KeyError(HERS)  # a fault of ours: not a partner's outcome

    async with _client(runtime) as client:
        text = (await client.get("/metrics")).text
    counted = {outcome: _value(text, "vod_webhook_requests_total", outcome=outcome)
               for outcome in WEBHOOK_OUTCOMES}
    assert counted == {"accepted": 1, "duplicate": 1, "rejected_signature": 1, "invalid": 3}
    assert HERS not in text


async def test_a_kafka_client_that_stopped_for_good_is_not_healthy_and_says_why(tmp_path):
    """aiokafka's producer whose sender task ended on an error it did not expect publishes
    nothing again, and a consumer whose group coordination ended fetches nothing: /healthz and
    /readyz must not say "ok" meanwhile (a liveness check restarts the service)."""
    import asyncio

    from faststream.kafka.publisher.state import RealProducer

    from vod_shared import runtime as runtime_module

    runtime = await _runtime(tmp_path)

    async def handle(envelope, uow):
        pass

    runtime.consume(TOPIC, handlers={CaseClosed: handle})

    async def ended() -> None:
        raise RuntimeError("unable to perform operation on <TCPTransport closed=True>")

    task = asyncio.create_task(ended())
    with pytest.raises(RuntimeError):
        await task

    class Ended:  # what aiokafka's producer and consumer keep of their background tasks
        _sender = type("Sender", (), {"sender_task": task})()
        _coordinator = type("Coordinator", (), {"_coordination_task": task})()

        def assignment(self):
            return {("t.vod.intake", 0)}

    async def answers() -> bool:
        return True

    runtime._database_ok = runtime._broker_ok = answers
    runtime.broker.config.producer._producer = RealProducer(Ended())
    [(group, subscriber)] = runtime._subscribers
    subscriber.consumer = Ended()
    async with _client(runtime) as client:
        health, ready = await client.get("/healthz"), await client.get("/readyz")
    assert health.status_code == 503
    assert "producer stopped for good (RuntimeError)" in health.json()["detail"]
    assert ready.status_code == 503
    assert f"consumer group {group} (its coordination ended" in ready.json()["detail"]
    assert runtime_module._producer_ended(runtime.broker) is not None
