"""A connection the broker has closed, written to before aiokafka's reader has seen the close,
fails as a connection error that aiokafka retries, under uvloop (the services' loop) as under
asyncio's. uvloop's ``RuntimeError`` there ended a consumer's group coordination for good: after
a broker restart under load, screening decided no case again until it was restarted."""
import asyncio

import pytest
import uvloop
from aiokafka.conn import create_conn
from aiokafka.errors import KafkaConnectionError
from aiokafka.protocol.metadata import MetadataRequest

import vod_shared.kafka_clients  # noqa: F401  (mends aiokafka's connections on import)


async def _write_to_a_connection_the_broker_closed(bootstrap: str) -> None:
    host, port = bootstrap.split(",")[0].rsplit(":", 1)
    conn = await create_conn(host, int(port))
    try:
        assert conn.connected()
        # The close as uvloop sees it first: its transport is closed (a turn after the
        # close), and aiokafka's reader has not had its turn to notice.
        conn._writer.transport.close()
        await asyncio.sleep(0)
        with pytest.raises(KafkaConnectionError):
            await conn.send(MetadataRequest([]))
        assert not conn.connected()  # closed, so the client connects afresh on its retry
    finally:
        conn.close()


@pytest.mark.integration
@pytest.mark.parametrize("loop_factory", [uvloop.new_event_loop, asyncio.new_event_loop],
                         ids=["uvloop", "asyncio"])
def test_a_write_to_a_closed_connection_is_a_connection_error(kafka_bootstrap, loop_factory):
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(_write_to_a_connection_the_broker_closed(kafka_bootstrap))
