"""The broker as the production shape runs it, on loopback: SASL/SCRAM users, one per service,
and ACLs from ``vod_shared.topics.acl_entries``. A service's user writes its own topics and
nothing else, reads only what it consumes with its own groups (and what its rebuild reads,
under its own ``<service>-rebuild-*`` groups); a wrong password gets nowhere;
and a real service process works against it."""
import json
import uuid
from datetime import datetime, timezone

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    KafkaConnectionError,
    TopicAuthorizationFailedError,
)

from vod_devtools.kafka import LocalKafka, create_acls, ensure_topics
from vod_devtools.net import free_port
from vod_devtools.testing import wait_until
from vod_shared.envelope import new_envelope, to_kafka
from vod_shared.events import RequestReceived
from vod_shared.kafka_clients import running
from vod_shared.sealing import KeyDirectory
from vod_shared.topics import acl_entries, all_topics

from .services import ServiceProcess

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
SERVICES = ("intake", "screening", "scheduling", "notifications")


@pytest.fixture(scope="module")
async def secured(tmp_path_factory):
    users = {"admin": uuid.uuid4().hex, **{name: uuid.uuid4().hex for name in SERVICES}}
    kafka = LocalKafka(tmp_path_factory.mktemp("secured-kafka"), port=free_port(),
                       controller_port=free_port(), users=users)
    await kafka.start()
    admin = kafka.client_options("admin")
    await ensure_topics(kafka.bootstrap, all_topics(""), partitions=1, **admin)
    await create_acls(kafka.bootstrap, acl_entries(""), **admin)
    yield kafka
    kafka.stop()


async def _produce(kafka: LocalKafka, user: str, topic: str, options: dict | None = None) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all",
                                enable_idempotence=True,
                                **(options or kafka.client_options(user)))
    async with running(producer):
        await producer.send_and_wait(topic, b"{}", key=b"k")


async def _consume(kafka: LocalKafka, user: str, topic: str, group: str) -> None:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=kafka.bootstrap, group_id=group,
                                auto_offset_reset="earliest", **kafka.client_options(user))
    async with running(consumer):
        await consumer.getmany(timeout_ms=3000)
        await consumer.commit()


async def test_a_service_writes_its_own_topics_and_no_other(secured):
    await _produce(secured, "screening", "vod.screening")
    await _produce(secured, "screening", "vod.intake.dlq")  # dead letters of what it reads
    with pytest.raises(TopicAuthorizationFailedError):
        await _produce(secured, "screening", "vod.intake")  # a forged withdrawal, refused
    with pytest.raises(TopicAuthorizationFailedError):
        await _produce(secured, "notifications", "vod.people")
    with pytest.raises(TopicAuthorizationFailedError):
        await _produce(secured, "scheduling", "vod.keys")


async def test_a_service_reads_only_what_it_consumes_in_its_own_groups(secured):
    await _consume(secured, "scheduling", "vod.intake", "scheduling")
    with pytest.raises((GroupAuthorizationFailedError, TopicAuthorizationFailedError)):
        await _consume(secured, "scheduling", "vod.intake", "screening")  # another's group
    with pytest.raises((GroupAuthorizationFailedError, TopicAuthorizationFailedError)):
        await _consume(secured, "intake", "vod.keys", "intake")  # intake reads no keys


async def test_a_rebuild_reads_as_the_services_own_user_in_its_own_rebuild_groups(secured):
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S") + uuid.uuid4().hex[:4]
    # screening's rebuild reads its own decisions back, under a fresh group of its own
    await _consume(secured, "screening", "vod.screening", f"screening-rebuild-{stamp}")
    await _consume(secured, "notifications", "vod.intake", f"notifications-rebuild-{stamp}")
    with pytest.raises((GroupAuthorizationFailedError, TopicAuthorizationFailedError)):
        await _consume(secured, "screening", "vod.intake", f"notifications-rebuild-{stamp}")
    with pytest.raises((GroupAuthorizationFailedError, TopicAuthorizationFailedError)):
        await _consume(secured, "scheduling", "vod.intake", f"scheduling-rebuild-{stamp}")
    with pytest.raises((GroupAuthorizationFailedError, TopicAuthorizationFailedError)):
        await _consume(secured, "notifications", "vod.notifications", f"notifications-rebuild-{stamp}")


async def _read_without_group(kafka: LocalKafka, user: str, topic: str) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap, enable_auto_commit=False,
                                **kafka.client_options(user))
    async with running(consumer):
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)
        await consumer.getmany(timeout_ms=2000)
        await consumer.end_offsets([partition])


async def test_intake_reads_back_its_erasures_after_a_restore_and_nothing_else(secured):
    await _read_without_group(secured, "intake", "vod.people")  # python -m intake.erase reapply
    with pytest.raises(TopicAuthorizationFailedError):
        await _read_without_group(secured, "intake", "vod.keys")


async def test_a_wrong_password_gets_nowhere(secured):
    wrong = secured.client_options("screening") | {"sasl_plain_password": "guessed"}
    with pytest.raises(Exception) as refused:
        await _produce(secured, "screening", "vod.screening", options=wrong)
    assert not isinstance(refused.value, TopicAuthorizationFailedError)  # refused at the door
    assert isinstance(refused.value, (KafkaConnectionError, Exception))


async def test_screening_runs_against_the_secured_broker(secured, tmp_path):
    KeyDirectory(tmp_path / "keys").init()
    process = ServiceProcess("screening", {
        "KAFKA_BOOTSTRAP_SERVERS": secured.bootstrap, "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_USERNAME": "screening", "KAFKA_PASSWORD": secured.users["screening"],
        "VOD_DATA_DIR": str(tmp_path / "var"), "VOD_KEYS_DIR": str(tmp_path / "keys"),
        "KAFKA_SESSION_TIMEOUT_MS": "3000", "OUTBOX_POLL_INTERVAL_S": "0.2"}, tmp_path)
    process.start(90.0)
    try:
        case_id = str(uuid.uuid4())
        record = to_kafka(new_envelope(RequestReceived(
            case_id=case_id, reference="VOD-2026-000777", requester_id=str(uuid.uuid4()),
            relationship="victim", cdcr_number="AB1234", preferred_language="en",
            preferred_channel="email", source="webhook",
            received_at=datetime.now(timezone.utc)), source="/services/intake", subject=case_id))
        producer = AIOKafkaProducer(bootstrap_servers=secured.bootstrap, acks="all",
                                    **secured.client_options("intake"))
        async with running(producer):
            await producer.send_and_wait("vod.intake", record.value, key=record.key)

        async def decided() -> bool:
            consumer = AIOKafkaConsumer("vod.screening", bootstrap_servers=secured.bootstrap,
                                        auto_offset_reset="earliest", enable_auto_commit=False,
                                        **secured.client_options("admin"))
            async with running(consumer):
                batch = await consumer.getmany(timeout_ms=1000)
                return any(json.loads(r.value).get("subject") == case_id
                           for records in batch.values() for r in records
                           if r.value and r.value != b"{}")
        assert await wait_until(decided, timeout=60), process.log()[-3000:]
    finally:
        process.stop()
