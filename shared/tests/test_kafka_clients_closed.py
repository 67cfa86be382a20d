"""A Kafka client whose start fails (the broker away, a wrong password, a refused group) is
stopped all the same: no "Unclosed AIOKafkaConsumer" / "Unclosed AIOKafkaProducer" at the end of
a test run, a command or a service's stop."""
import gc
import warnings
from contextlib import contextmanager

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError

from vod_devtools.net import free_port
from vod_devtools.testing import produce, read_topic
from vod_shared.deadletters import replay
from vod_shared.kafka_clients import running


@contextmanager
def unclosed_clients():
    """The "Unclosed AIOKafka…" warnings of the clients collected by the end of the block."""
    found: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        yield found
        gc.collect()
    found += [str(w.message) for w in caught if "Unclosed AIOKafka" in str(w.message)]


def nowhere() -> str:
    return f"127.0.0.1:{free_port()}"  # nothing listens there


async def test_the_test_helpers_leave_no_client_open_when_the_broker_is_away():
    with unclosed_clients() as unclosed:
        with pytest.raises(KafkaConnectionError):
            await produce(nowhere(), "vod.intake", (b"k", b"{}"))
        with pytest.raises(KafkaConnectionError):
            await read_topic(nowhere(), "vod.intake", at_least=1, timeout=1)
    assert unclosed == []


async def test_a_dead_letter_replay_leaves_no_producer_open_when_the_broker_is_away():
    with unclosed_clients() as unclosed:
        with pytest.raises(KafkaConnectionError):
            await replay({"bootstrap_servers": nowhere()}, [], by="rosa", why="a test")
    assert unclosed == []


@pytest.mark.parametrize("client", [AIOKafkaConsumer, AIOKafkaProducer])
async def test_running_stops_a_client_whose_start_failed(client):
    with unclosed_clients() as unclosed:
        with pytest.raises(KafkaConnectionError):
            async with running(client(bootstrap_servers=nowhere())):
                pytest.fail("started without a broker")
    assert unclosed == []
