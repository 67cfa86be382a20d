import json
from datetime import datetime, timezone

import pytest

from vod_shared.envelope import CONTENT_TYPE, UndecodableEvent, from_kafka, new_envelope, to_kafka
from vod_shared.events import EligibilityDetermined, UnknownEventType


def _decision(case_id="case-1"):
    return EligibilityDetermined(case_id=case_id, outcome="needs_review", reason="not_in_registry",
                                 cdcr_number="AB1234", decided_at=datetime.now(timezone.utc))


def test_structured_cloudevent_keyed_by_subject():
    envelope = new_envelope(_decision(), source="/services/screening", subject="case-1")
    record = to_kafka(envelope)
    body = json.loads(record.value)
    assert record.key == b"case-1"
    assert record.headers["content-type"] == CONTENT_TYPE.encode()
    assert body["specversion"] == "1.0"
    assert body["type"] == "vod.EligibilityDetermined.v1"
    assert body["source"] == "/services/screening" and body["subject"] == "case-1"
    assert from_kafka(record.value) == envelope


@pytest.mark.parametrize("value", [b"", b"not json", b"[1,2]", b'{"specversion": "1.0"}'])
def test_garbage_is_undecodable(value):
    with pytest.raises(UndecodableEvent):
        from_kafka(value)


def test_unknown_type_is_named():
    body = json.loads(to_kafka(new_envelope(_decision(), source="/x", subject="c")).value)
    body["type"] = "vod.EligibilityDetermined.v9"
    with pytest.raises(UnknownEventType, match="v9"):
        from_kafka(json.dumps(body).encode())


def test_invalid_data_names_fields_not_values():
    body = json.loads(to_kafka(new_envelope(_decision(), source="/x", subject="c")).value)
    body["data"]["outcome"] = "ana@example.org"
    with pytest.raises(UndecodableEvent) as caught:
        from_kafka(json.dumps(body).encode())
    assert "outcome" in str(caught.value) and "ana@example.org" not in str(caught.value)
