"""A service's keys consumer reads only the grants to it: every request's data keys go on
vod.keys once per reader, and each reader read all of them (two of every three another's),
decoding each and putting each in its inbox before finding it was not its own. A record keyed
oddly (to no reader) is still read, so one not from intake is still parked."""
import types
from typing import ClassVar

from aiokafka import TopicPartition

from vod_shared.consumer import Record
from vod_shared.runtime import ServiceRuntime
from vod_shared.settings import ServiceSettings

OTHER_READERS = (b"subject-1/screening", b"subject-1/notifications")
OURS_OR_ODD = (b"subject-1/scheduling", b"subject-2/xscheduling", b"subject-3/intake", b"", None)


class SchedulingSettings(ServiceSettings):
    service_name: ClassVar[str] = "scheduling"


class Parked:
    def __init__(self) -> None:
        self.records: list[Record] = []

    async def send(self, record: Record, reason: str) -> None:
        self.records.append(record)


def _keys_consumer(tmp_path):
    runtime = ServiceRuntime(SchedulingSettings(KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1",
                                                VOD_DATA_DIR=str(tmp_path)),
                             migrations_dir=tmp_path / "none")
    consumer = runtime.consume_keys(keybook=None)
    consumer.dead_letters = parked = Parked()
    return runtime, consumer, parked


async def test_the_keys_consumer_passes_over_the_other_readers_grants_unread(tmp_path):
    _, consumer, parked = _keys_consumer(tmp_path)
    unreadable = b"{not an event"
    await consumer.consume_batch([Record("t.vod.keys", 0, offset, key, unreadable)
                                  for offset, key in enumerate(OTHER_READERS + OURS_OR_ODD)])
    # read (and, unreadable, parked): its own, and any keyed to no reader
    assert [r.key for r in parked.records] == list(OURS_OR_ODD)


async def test_a_failed_batch_parks_none_of_the_other_readers_grants(tmp_path):
    """A fault of ours parks the batch (offsets must not pass what is neither applied nor
    parked); another reader's grant is not this consumer's to park."""
    runtime, consumer, parked = _keys_consumer(tmp_path)

    class Kafka:
        def assignment(self):
            return {TopicPartition("t.vod.keys", 0)}

        async def commit(self, offsets):
            pass

    async def fault_of_ours(records):
        raise RuntimeError("a bug")

    consumer.consume_batch = fault_of_ours
    on_records = runtime._subscribers[-1][1].calls[0].handler._original_call
    batch = [types.SimpleNamespace(topic="t.vod.keys", partition=0, offset=offset, key=key,
                                   value=b"{}", headers=())
             for offset, key in enumerate(OTHER_READERS + OURS_OR_ODD)]
    await on_records([], types.SimpleNamespace(raw_message=batch, consumer=Kafka()))
    assert [r.key for r in parked.records] == list(OURS_OR_ODD)
