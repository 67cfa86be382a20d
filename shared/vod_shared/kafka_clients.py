"""aiokafka's clients, started and always stopped.

A producer or consumer whose ``start()`` fails (the broker away, a wrong password, a consumer
group the user may not join, a cancelled wait) still holds a client: unless it is stopped, it
is left open and, when collected, aiokafka says "Unclosed AIOKafkaConsumer" (or Producer) at
the end of a test run or of a command. ``async with running(client)`` stops it in every case.
"""
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeVar

Client = TypeVar("Client")


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
