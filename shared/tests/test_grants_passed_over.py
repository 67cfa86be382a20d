"""A service's keys consumer reads only the grants to it: every request's data keys go on
vod.keys once per reader, and each reader read all of them (two of every three another's),
decoding each and putting each in its inbox before finding it was not its own."""
from typing import ClassVar

from vod_shared.consumer import Record
from vod_shared.runtime import ServiceRuntime
from vod_shared.settings import ServiceSettings


class SchedulingSettings(ServiceSettings):
    service_name: ClassVar[str] = "scheduling"


class Parked:
    def __init__(self) -> None:
        self.records: list[Record] = []

    async def send(self, record: Record, reason: str) -> None:
        self.records.append(record)


async def test_the_keys_consumer_passes_over_the_other_readers_grants_unread(tmp_path):
    runtime = ServiceRuntime(SchedulingSettings(KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1",
                                                VOD_DATA_DIR=str(tmp_path)),
                             migrations_dir=tmp_path / "none")
    consumer = runtime.consume_keys(keybook=None)
    consumer.dead_letters = parked = Parked()
    unreadable = b"{not an event"
    records = [Record("t.vod.keys", 0, offset, key, unreadable) for offset, key in enumerate(
        (b"subject-1/screening", b"subject-1/notifications", b"subject-1/scheduling",
         b"subject-2/xscheduling", None))]
    await consumer.consume_batch(records)
    # read (and, unreadable, parked): the grant keyed to scheduling, and the record without a key
    assert [r.key for r in parked.records] == [b"subject-1/scheduling", None]
