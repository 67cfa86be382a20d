"""The erasures intake announced, read back from ``vod.people`` (compacted: an erased person's
last record is her ``PersonErased``, so it stays). After a restore from a backup older than an
erasure, this is where the erasure is still written down.

Read without a consumer group (the partitions are assigned, not subscribed), so the broker asks
only for read on ``vod.people`` (``vod_shared.topics.READS_BACK``)."""
import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from vod_shared.envelope import UndecodableEvent, read_cloudevent, validated
from vod_shared.events import PersonErased
from vod_shared.events.base import UnknownEventType
from vod_shared.kafka_clients import running
from vod_shared.settings import ServiceSettings

# How long the broker may hand over nothing while records are still due
STALL_TIMEOUT_S = 60.0


async def erasures_announced(settings: ServiceSettings) -> list[PersonErased]:
    """Every ``PersonErased`` intake published on vod.people, oldest first."""
    topic = settings.topics.people
    options = {"bootstrap_servers": settings.kafka_bootstrap_servers,
               **settings.kafka_client_options()}
    partitions = await _partitions(topic, options)
    consumer = AIOKafkaConsumer(enable_auto_commit=False, auto_offset_reset="earliest",
                                **options)
    async with running(consumer):
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        return _erasures(await _read_to_end(consumer, partitions), settings.source)


async def _partitions(topic: str, options: dict) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(**options)
    async with running(admin):
        [described] = await admin.describe_topics([topic])
    if described["error_code"] or not described["partitions"]:
        raise RuntimeError(f"no topic {topic!r} on the broker (or no read on it)")
    return [TopicPartition(topic, p["partition"]) for p in
            sorted(described["partitions"], key=lambda p: p["partition"])]


async def _read_to_end(consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> list:
    ends = await consumer.end_offsets(partitions)
    loop, records = asyncio.get_running_loop(), []
    deadline = loop.time() + STALL_TIMEOUT_S
    remaining = {tp for tp in partitions if await consumer.position(tp) < ends[tp]}
    while remaining:
        if loop.time() > deadline:
            raise TimeoutError(f"the broker handed over nothing for {STALL_TIMEOUT_S:.0f} s")
        batch = await consumer.getmany(*remaining, timeout_ms=500)
        if batch:
            deadline = loop.time() + STALL_TIMEOUT_S
        for tp, found in batch.items():
            records += [r for r in found if r.offset < ends[tp]]
        remaining = {tp for tp in remaining if await consumer.position(tp) < ends[tp]}
    return records


def _erasures(records: list, source: str) -> list[PersonErased]:
    erased = []
    for record in records:
        if record.value is None:
            continue
        try:
            event = read_cloudevent(record.value)
            if event.get_source() != source:
                continue  # not intake's: never acted on
            data = validated(event).data
        except (UndecodableEvent, UnknownEventType):
            continue  # a record that is not a readable event holds no erasure
        if isinstance(data, PersonErased):
            erased.append(data)
    return sorted(erased, key=lambda e: e.at)
