"""The AsyncAPI document of screening's events: ``faststream docs gen screening.asyncapi:app``."""
from faststream import FastStream
from faststream.specification import AsyncAPI

from screening.bootstrap import bootstrap

runtime, _ = bootstrap()
app = FastStream(runtime.broker, specification=AsyncAPI(
    title="Dialogue — screening", version="0.1.0",
    description="What the screening service consumes and publishes on Kafka."))
