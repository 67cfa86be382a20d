"""How much a consumer reads ahead of its handlers is bounded per partition: a service far
behind (after a burst or an outage, or replaying its topics) holds about that much of each
partition it reads, not aiokafka's 1 MiB each (notifications reads 15: 11.8 MB of fetched
records while it caught up with a burst)."""
from typing import ClassVar

from vod_shared.runtime import PRODUCER_BATCH_BYTES, ServiceRuntime
from vod_shared.settings import ServiceSettings


class ProbeSettings(ServiceSettings):
    service_name: ClassVar[str] = "probe"


def _read_ahead(tmp_path, **settings) -> set[int]:
    runtime = ServiceRuntime(ProbeSettings(KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1",
                                           VOD_DATA_DIR=str(tmp_path), **settings),
                             migrations_dir=tmp_path / "none")
    runtime.consume("t.vod.intake", "t.vod.people", handlers={})
    runtime.consume_keys(lambda *args: None)
    return {subscriber._connection_args["max_partition_fetch_bytes"]
            for _group, subscriber in runtime._subscribers}


def test_each_consumer_reads_ahead_at_most_256_kib_of_a_partition(tmp_path):
    assert _read_ahead(tmp_path) == {256 * 1024}


def test_the_read_ahead_is_a_setting(tmp_path):
    assert _read_ahead(tmp_path, CONSUMER_FETCH_KIB="64") == {64 * 1024}


def test_the_read_ahead_holds_the_largest_batch_a_service_produces(tmp_path):
    """The broker hands a batch bigger than the read-ahead only to the first partition with data
    in a fetch: a partition of such batches would be read slowly while the others have data."""
    assert min(_read_ahead(tmp_path)) >= PRODUCER_BATCH_BYTES
