"""CloudEvents 1.0, structured JSON mode on Kafka, through the CloudEvents SDK.

``type`` names the event and its version (``vod.RequestReceived.v1``), ``subject`` is the case
id (custody events: the CDCR number), and the Kafka key is the subject, so one case's events
stay in order on one partition.
"""
import base64
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from dateutil.parser import isoparse
from pydantic import ValidationError

from vod_shared.events.base import EventData, model_for

CONTENT_TYPE = "application/cloudevents+json"
# The one shape of ``time`` producers send (RFC 3339, as the SDK writes a datetime): read with
# the standard library, 40 times faster than dateutil's pure-Python ``isoparse``, which reads
# anything else as the SDK always has (so what is accepted or refused does not change).
# Hours, minutes and seconds in range here: ``fromisoformat`` reads an offset's minutes 60-99
# as more hours (``+05:60`` as ``+06:00``) where ``isoparse`` refuses them.
_HH, _MM = r"([01][0-9]|2[0-3])", r"[0-5][0-9]"
_RFC3339 = re.compile(rf"[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}T{_HH}:{_MM}:{_MM}(\.[0-9]{{1,6}})?"
                      rf"(Z|[+-]{_HH}:{_MM})?")


def parse_time(value: str) -> datetime:
    """A CloudEvent's ``time``, as the SDK's ``isoparse`` reads it (equal values and offsets;
    the zone a ``datetime.timezone`` rather than dateutil's)."""
    if isinstance(value, str) and _RFC3339.fullmatch(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError:  # such as 24:00, which isoparse reads as the next midnight
            pass
    return isoparse(value)


class _JSONFormat(JSONFormat):
    """The SDK's JSON format, reading ``time`` with ``parse_time``; the rest as its ``read``
    does for the one factory given (``CloudEvent``, 1.0)."""

    def read(self, event_factory, data: str | bytes) -> CloudEvent:
        if event_factory is None:  # the version told by the event itself: the SDK's way
            return super().read(event_factory, data)
        attributes = json.loads(data.decode("utf-8") if isinstance(data, bytes) else data)
        if "time" in attributes:
            attributes["time"] = parse_time(attributes["time"])
        specversion = attributes.get("specversion", "1.0")
        event_data = attributes.pop("data", None)
        if specversion == "0.3" and "datacontentencoding" in attributes:
            if attributes.get("datacontentencoding", "").lower() == "base64" and \
                    isinstance(event_data, str):
                event_data = base64.b64decode(event_data)
        if event_data is None:
            encoded = attributes.pop("data_base64", None)
            if encoded is not None:
                event_data = base64.b64decode(encoded)
        return event_factory(attributes, event_data)


_FORMAT = _JSONFormat()


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
