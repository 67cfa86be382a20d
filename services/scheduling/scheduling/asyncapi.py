"""The AsyncAPI document of scheduling's events: ``faststream docs gen scheduling.asyncapi:app``."""
from faststream import FastStream
from faststream.specification import AsyncAPI

from scheduling.bootstrap import bootstrap

runtime, _ = bootstrap()
app = FastStream(runtime.broker, specification=AsyncAPI(
    title="Dialogue — scheduling", version="0.1.0",
    description="What the scheduling service consumes and publishes on Kafka."))
