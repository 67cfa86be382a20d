"""The AsyncAPI document of intake's events: ``faststream docs gen intake.asyncapi:app``."""
from faststream import FastStream
from faststream.specification import AsyncAPI

from intake.bootstrap import bootstrap

runtime, _ = bootstrap()
app = FastStream(runtime.broker, specification=AsyncAPI(
    title="Dialogue — intake", version="0.1.0",
    description="What the intake service consumes and publishes on Kafka."))
