"""CloudEvents 1.0, structured JSON mode on Kafka, through the CloudEvents SDK.

``type`` names the event and its version (``vod.RequestReceived.v1``), ``subject`` is the case
id (custody events: the CDCR number), and the Kafka key is the subject, so one case's events
stay in order on one partition.
"""
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from pydantic import ValidationError

from vod_shared.events.base import EventData, model_for

CONTENT_TYPE = "application/cloudevents+json"
_FORMAT = JSONFormat()


class UndecodableEvent(ValueError):
    """A Kafka record that is not a CloudEvent this system can read; the reason says why."""


@dataclass(frozen=True)
class Envelope:
    """A CloudEvent whose data has been validated against its registered model."""

    id: str
    source: str
    type: str
    subject: str
    time: datetime
    data: EventData


@dataclass(frozen=True)
class KafkaRecord:
    key: bytes
    value: bytes
    headers: dict[str, bytes]


def new_envelope(data: EventData, *, source: str, subject: str, event_id: str | None = None,
                 time: datetime | None = None) -> Envelope:
    return Envelope(
        id=event_id or str(uuid.uuid4()),
        source=source,
        type=data.type_name(),
        subject=subject,
        time=time or datetime.now(timezone.utc),
        data=data,
    )


def to_kafka(envelope: Envelope) -> KafkaRecord:
    event = CloudEvent(
        attributes={
            "id": envelope.id,
            "source": envelope.source,
            "type": envelope.type,
            "subject": envelope.subject,
            "time": envelope.time,
            "datacontenttype": "application/json",
        },
        data=envelope.data.model_dump(mode="json"),
    )
    message = ce_kafka.to_structured(event, _FORMAT, key_mapper=lambda e: e.get_subject())
    key = message.key.encode() if isinstance(message.key, str) else message.key
    return KafkaRecord(key=key or b"", value=message.value, headers=dict(message.headers))


def from_kafka(value: bytes | None) -> Envelope:
    """Reads a structured-mode CloudEvent; raises UndecodableEvent or UnknownEventType."""
    return validated(read_cloudevent(value))


def read_cloudevent(value: bytes | None) -> CloudEvent:
    """The CloudEvent's attributes and raw data, without checking the data against a model."""
    if not value:
        raise UndecodableEvent("empty record")
    try:
        event = _FORMAT.read(CloudEvent, value)
    except Exception as exc:  # the SDK raises several kinds for malformed input
        raise UndecodableEvent(f"not a CloudEvent: {type(exc).__name__}") from exc
    if not event.get_subject():
        raise UndecodableEvent("CloudEvent has no subject")
    return event


def validated(event: CloudEvent) -> Envelope:
    """The event with its data checked against the model registered for its type."""
    model = model_for(event.get_type())
    data = event.get_data()
    if not isinstance(data, dict):
        raise UndecodableEvent("CloudEvent data is not a JSON object")
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        # Field locations and error kinds only: the input may hold personal data.
        fields = ", ".join(".".join(map(str, e["loc"])) + f" ({e['type']})" for e in exc.errors())
        raise UndecodableEvent(f"data does not match {event.get_type()}: {fields}") from None
    return Envelope(
        id=event.get_id(),
        source=event.get_source(),
        type=event.get_type(),
        subject=event.get_subject(),
        time=event.get_time() or datetime.now(timezone.utc),
        data=parsed,
    )
