"""Plain Kafka reads and writes for tests: what an outside observer of the topics sees."""

import asyncio
import json
import re
import time
from collections import Counter
from collections.abc import Mapping

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from vod_shared.kafka_clients import running


async def produce(bootstrap: str, topic: str, *records: tuple[bytes, bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    async with running(producer):
        for key, value in records:
            await producer.send_and_wait(
                topic,
                value=value,
                key=key,
                headers=[("content-type", b"application/cloudevents+json")],
            )


async def read_topic(
    bootstrap: str, topic: str, *, at_least: int, timeout: float = 30.0, settle: float = 1.0
) -> list[ConsumerRecord]:
    """Every record on ``topic`` from the start: waits for ``at_least``, then ``settle`` seconds
    more so that a duplicate arriving late is seen too."""
    return await read_topics(bootstrap, [topic], at_least=at_least, timeout=timeout,
                             settle=settle)


async def read_topics(
    bootstrap: str, topics: list[str], *, at_least: int = 0, timeout: float = 30.0,
    settle: float = 1.0,
) -> list[ConsumerRecord]:
    """Every record on each of ``topics`` from the start (``record.topic`` says which), as
    ``read_topic`` reads one: ``at_least`` counts them all. One consumer for them all: a
    consumer and a settle each took most of a second a topic (16 topics, 11 s)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    async with running(consumer):
        partitions = [TopicPartition(topic, p)
                      for topic, numbers in (await _partitions(bootstrap, topics)).items()
                      for p in numbers]
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        # Every partition read to where it ended when the read began, before the settle starts:
        # a slow first fetch never passes for an empty topic ("nothing on it" would pass wrongly)
        behind = dict(await consumer.end_offsets(partitions))
        records: list[ConsumerRecord] = []
        deadline = time.monotonic() + timeout
        settled_at = None
        while time.monotonic() < (settled_at or deadline):
            batch = await consumer.getmany(timeout_ms=200)
            for items in batch.values():
                records.extend(items)
            for partition, end in list(behind.items()):
                if await consumer.position(partition) >= end:
                    del behind[partition]
            if settled_at is None and not behind and len(records) >= at_least:
                settled_at = time.monotonic() + settle
        return records


async def _partitions(bootstrap: str, topics: list[str]) -> dict[str, list[int]]:
    if not topics:
        return {}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    async with running(admin):
        descriptions = await admin.describe_topics(list(topics))
    for description in descriptions:
        if description["error_code"]:
            raise LookupError(f"topic {description['topic']}: error {description['error_code']}")
    return {d["topic"]: [p["partition"] for p in d["partitions"]] for d in descriptions}


async def wait_until(predicate, *, timeout: float = 30.0, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return True
        await asyncio.sleep(interval)
    return False


def owner_source(topic: str) -> str:
    """The CloudEvent ``source`` consumers accept on ``topic`` (whatever its test prefix): the
    service that owns it (``vod_shared.topics.OWNERS``)."""
    from vod_shared.topics import OWNERS

    for base, owner in OWNERS.items():
        if topic == base or topic.endswith(f".{base}"):
            return f"/services/{owner}"
    raise ValueError(f"no service owns {topic}")


class IntakeSealer:
    """Seals as intake does (under a data key per subject, signed by intake's key), for tests
    that publish or feed a service what intake would: ``seal`` a value, then give the reader
    its keys (``grants``, or ``keep_all`` straight into a reader's key book)."""

    def __init__(self, keys_dir) -> None:
        from vod_shared.sealing import KeyDirectory

        self.keyring = KeyDirectory(keys_dir).keyring("intake")
        self.keys: dict[str, object] = {}

    def key_for(self, subject: str):
        from vod_shared.person_keys import SubjectKey

        if subject not in self.keys:
            self.keys[subject] = SubjectKey.new(subject)
        return self.keys[subject]

    def seal(self, details: dict, purpose: str, *, about: str):
        from vod_shared.person_keys import seal_under

        return seal_under(details, self.key_for(about), purpose, keyring=self.keyring)

    def grants(self, reader: str, subjects=None) -> list:
        from vod_shared.person_keys import grant

        return [grant(key, reader, keyring=self.keyring) for subject, key in self.keys.items()
                if subjects is None or subject in subjects]

    async def keep_all(self, keybook, session, subjects=None) -> None:
        from datetime import datetime, timezone

        for granted in self.grants(keybook.keyring.service, subjects):
            await keybook.keep(session, granted, datetime.now(timezone.utc))


def complaints(logs: Mapping[str, str], most: int = 4) -> dict[str, list[str]]:
    """Each log's most frequent warnings and errors (JSON lines), counted: what a failed
    end-to-end run's services said, for its failure message (CI keeps no more than that)."""
    said = {}
    for name, log in logs.items():
        counts = Counter()
        for line in log.splitlines():
            if not line.startswith("{"):
                continue
            try:
                entry = json.loads(line)
            except ValueError:  # the line a service is writing right now
                continue
            if entry.get("level") in ("warning", "error", "critical"):
                counts[f"{entry.get('level')} {str(entry.get('event'))[:70]}"] += 1
        said[name] = [f"{n}× {what}" for what, n in counts.most_common(most)]
    return said


# Characters of base64 and base64url: the sealed values, wrapped keys and tokens
_SEALED_TEXT = "A-Za-z0-9+/=_-"


def carries(text: str, value: str) -> bool:
    """``value`` in ``text`` as itself, not as characters that chance put inside a sealed blob
    or a token: a three-letter name ("Ana", "Doe") turned up in the wrapped keys' base64 about
    one run in fifty (CI failed on it). What a test asserts is absent must not be found as
    itself; inside base64 it says nothing."""
    return re.search(rf"(?<![{_SEALED_TEXT}]){re.escape(value)}(?![{_SEALED_TEXT}])",
                     text) is not None
