"""The AsyncAPI document of notifications's events: ``faststream docs gen notifications.asyncapi:app``."""
from faststream import FastStream
from faststream.specification import AsyncAPI

from notifications.bootstrap import bootstrap

runtime, _ = bootstrap()
app = FastStream(runtime.broker, specification=AsyncAPI(
    title="Dialogue — notifications", version="0.1.0",
    description="What the notifications service consumes and publishes on Kafka."))
