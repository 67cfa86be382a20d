"""A real broker from the Apache jars: start on free ports, create topics, round-trip a message."""

import shutil
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from vod_devtools.kafka import LocalKafka, ensure_topics
from vod_devtools.net import free_port

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not (shutil.which("java") and shutil.which("mvn")), reason="needs java+mvn"),
]


async def test_local_kafka_round_trip(tmp_path):
    kafka = LocalKafka(tmp_path / "kafka", port=free_port(), controller_port=free_port())
    elapsed = await kafka.start()
    print(f"broker started in {elapsed:.1f}s")
    try:
        topics = {"t.events": {"retention.ms": -1}, "t.state": {"cleanup.policy": "compact"}}
        await ensure_topics(kafka.bootstrap, topics)
        await ensure_topics(kafka.bootstrap, topics)  # idempotent: existing topics are fine

        admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
        await admin.start()
        try:
            assert {"t.events", "t.state"} <= set(await admin.list_topics())
            [described] = await admin.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, "t.state")]
            )
            configs = {c[0]: c[1] for c in described.resources[0][4]}
            assert configs["cleanup.policy"] == "compact"
        finally:
            await admin.close()

        producer = AIOKafkaProducer(
            bootstrap_servers=kafka.bootstrap, acks="all", enable_idempotence=True
        )
        await producer.start()
        try:
            await producer.send_and_wait("t.events", b"hello", key=b"case-1")
        finally:
            await producer.stop()

        consumer = AIOKafkaConsumer(
            "t.events",
            bootstrap_servers=kafka.bootstrap,
            group_id=f"g-{uuid.uuid4()}",
            auto_offset_reset="earliest",
        )
        await consumer.start()
        try:
            record = await consumer.getone()
            assert (record.key, record.value) == (b"case-1", b"hello")
        finally:
            await consumer.stop()
    finally:
        kafka.stop()
    assert kafka.proc is None
