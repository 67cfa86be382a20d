"""aiokafka's clients, started and always stopped.

A producer or consumer whose ``start()`` fails (the broker away, a wrong password, a consumer
group the user may not join, a cancelled wait) still holds a client: unless it is stopped, it
is left open and, when collected, aiokafka says "Unclosed AIOKafkaConsumer" (or Producer) at
the end of a test run or of a command. ``async with running(client)`` stops it in every case.

Importing this module also mends one fault of aiokafka's under uvloop (the services' loop): see
``_broken_connections_are_connection_errors``.
"""
import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeVar

import aiokafka.errors
from aiokafka.conn import AIOKafkaConnection, CloseReason

Client = TypeVar("Client")


def _broken_connections_are_connection_errors() -> None:
    """aiokafka treats a write to a connection the broker has closed as the ``OSError`` that
    asyncio's own transports raise, and retries. uvloop's raise ``RuntimeError`` ("unable to
    perform operation on <TCPTransport closed=True ...>; the handler is closed") when the close
    is seen by the transport before aiokafka's reader: that error ended the consumer group's
    coordination task, and with it the consumer, for good (aiokafka issue #1038, open in
    0.14). A broker restarted under load did it to screening's consumer in CI: no case was
    decided after it. Here that error is the broken connection it is, and aiokafka retries."""
    for name in ("send", "_send_sasl_token"):
        write = getattr(AIOKafkaConnection, name)
        if getattr(write, "vod_mended", False):
            continue

        @functools.wraps(write)
        def mended(self, *args, _write=write, **kwargs):
            try:
                return _write(self, *args, **kwargs)
            except aiokafka.errors.KafkaError:  # aiokafka's own (a RuntimeError too): as is
                raise
            except RuntimeError as err:
                writer = self._writer
                if writer is None or not writer.transport.is_closing():
                    raise
                self.close(reason=CloseReason.CONNECTION_BROKEN)
                raise aiokafka.errors.KafkaConnectionError(
                    f"Connection at {self._host}:{self._port} broken: {err}") from err

        mended.vod_mended = True
        setattr(AIOKafkaConnection, name, mended)


_broken_connections_are_connection_errors()


@asynccontextmanager
async def running(client: Client) -> AsyncIterator[Client]:
    """Starts an AIOKafkaProducer, AIOKafkaConsumer or AIOKafkaAdminClient; stops (or closes)
    it when the block ends, and when ``start()`` itself fails."""
    try:
        await client.start()
        yield client
    finally:
        stop = getattr(client, "stop", None) or client.close
        await stop()
