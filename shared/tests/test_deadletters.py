"""The dead-letter command without a broker: what ``list`` and ``show`` print of a dead letter
(never a sealed value, never the data in a list line), and which replays are refused."""
import json
import uuid
from datetime import datetime, timezone

import pytest

from vod_shared.deadletters import (
    DeadLetter,
    Refused,
    check_original,
    list_line,
    mask_sealed,
    parser,
    replay_value,
    show_text,
)
from vod_shared.envelope import new_envelope, to_kafka
from vod_shared.events import CaseWithdrawn, RequestReceived

CIPHER = "c2VhbGVkLWZvci1zY3JlZW5pbmc"
CASE = str(uuid.uuid4())
REQUESTER = str(uuid.uuid4())


def _sealed(ciphertext: str = CIPHER) -> dict:
    return {"ciphertext": ciphertext, "sealed_by": "intake", "key_id": "k1",
            "purpose": "case", "signature": "c2ln"}


def _request(**changes) -> dict:
    data = RequestReceived(
        case_id=CASE, reference="VOD-2026-000777", requester_id=REQUESTER,
        relationship="victim", cdcr_number="AB7777", preferred_language="en",
        preferred_channel="email", source="webhook",
        received_at=datetime.now(timezone.utc))
    event = json.loads(to_kafka(new_envelope(data, source="/services/intake", subject=CASE)).value)
    event["data"].update(changes)
    return event


def _letter(event: dict | None, *, value: bytes | None = None, topic: str = "p.vod.intake.dlq",
            original: str = "p.vod.intake") -> DeadLetter:
    headers = (("content-type", b"application/cloudevents+json"),
               ("dlq-reason", b"undecodable: data does not match vod.RequestReceived.v1: "
                              b"relationship (enum)"),
               ("dlq-consumer", b"screening"), ("dlq-original-topic", original.encode()),
               ("dlq-original-partition", b"2"), ("dlq-original-offset", b"17"),
               ("dlq-failed-at", b"2026-03-01T10:00:00+00:00"))
    return DeadLetter(topic, 1, 5, CASE.encode(),
                      value if value is not None else json.dumps(event).encode(), headers)


def test_mask_sealed_hides_every_object_holding_a_ciphertext_at_any_depth():
    data = {"case_id": CASE, "logistics": _sealed(),
            "more": [{"details": _sealed("b3RoZXI")}, {"plain": 1}],
            "email": "ana@example.org", "note": "call 415-555-0134"}
    masked = mask_sealed(data)
    assert masked["logistics"] == "[sealed]" and masked["more"][0]["details"] == "[sealed]"
    assert masked["more"][1] == {"plain": 1} and masked["case_id"] == CASE
    assert masked["email"] == "[redacted]" and "415-555-0134" not in masked["note"]
    assert CIPHER not in json.dumps(masked) and "b3RoZXI" not in json.dumps(masked)


def test_show_prints_headers_and_envelope_and_masks_sealed_data():
    event = _request(relationship="stranger", logistics=_sealed())
    text = show_text(_letter(event))
    assert "dead letter p.vod.intake.dlq 1:5" in text
    assert "dlq-reason: undecodable: data does not match vod.RequestReceived.v1" in text
    assert "dlq-consumer: screening" in text
    for name in ("id", "type", "source", "subject", "time"):
        assert f"  {name}: " in text
    assert f"  id: {event['id']}" in text and "type: vod.RequestReceived.v1" in text
    assert '"logistics": "[sealed]"' in text and '"relationship": "stranger"' in text
    assert CIPHER not in text


def test_show_of_a_value_that_is_not_a_cloudevent_still_masks_or_hides_it():
    json_not_event = {"data": {"logistics": _sealed()}}
    assert CIPHER not in show_text(_letter(json_not_event))
    garbage = show_text(_letter(None, value=b"\x00raw " + CIPHER.encode()))
    assert CIPHER not in garbage and "not shown" in garbage
    assert "not kept" in show_text(_letter(None, value=b""))


def test_a_list_line_names_where_when_who_what_and_why_never_the_data():
    event = _request(relationship="stranger", logistics=_sealed())
    line = list_line(_letter(event))
    assert line.split("\t") == [
        "p.vod.intake.dlq 1:5", "2026-03-01T10:00:00+00:00", "screening", "p.vod.intake 2:17",
        "vod.RequestReceived.v1", event["id"],
        "undecodable: data does not match vod.RequestReceived.v1: relationship (enum)"]
    for value in (CIPHER, REQUESTER, "AB7777", "VOD-2026-000777", "stranger"):
        assert value not in line


def test_replay_keeps_the_record_or_takes_a_correction_with_the_same_id_only():
    event = _request(relationship="stranger")
    letter = _letter(event)
    assert replay_value(letter, None) == (letter.value, event["id"])
    fixed = _request(relationship="victim") | {"id": event["id"]}
    value, event_id = replay_value(letter, json.dumps(fixed).encode())
    assert event_id == event["id"] and json.loads(value)["data"]["relationship"] == "victim"

    with pytest.raises(Refused, match="is not the dead letter's"):
        replay_value(letter, json.dumps(_request(relationship="victim")).encode())  # a new id
    with pytest.raises(Refused, match="dead-lettered again"):
        replay_value(letter, json.dumps(event).encode())  # still invalid
    with pytest.raises(Refused, match="subject"):
        other = dict(fixed, subject=str(uuid.uuid4()))
        replay_value(letter, json.dumps(other).encode())
    with pytest.raises(Refused, match="not kept"):
        replay_value(_letter(None, value=b""), None)
    with pytest.raises(Refused, match="another topic"):
        replay_value(_letter(event, original="p.vod.screening"), None)
    with pytest.raises(Refused, match="no id"):
        replay_value(_letter(None, value=b"garbage"), json.dumps(fixed).encode())


def test_a_correction_keeps_the_events_source_and_type():
    event = _request(relationship="stranger")
    fixed = _request(relationship="victim") | {"id": event["id"]}
    with pytest.raises(Refused, match="source and type"):
        replay_value(_letter(event), json.dumps(fixed | {"source": "/services/scheduling"})
                     .encode())


def test_a_correction_its_consumers_would_refuse_is_refused_before_it_goes():
    now = datetime.now(timezone.utc).isoformat()
    withdrawn = json.loads(to_kafka(new_envelope(
        CaseWithdrawn(case_id=CASE, by="staff_for_victim", at=now), source="/services/intake",
        subject=CASE)).value)
    fixed = json.loads(json.dumps(withdrawn))
    fixed["data"]["by"] = "director"  # intake does not speak for the director
    with pytest.raises(Refused, match="intake does not speak for director"):
        replay_value(_letter(withdrawn), json.dumps(fixed).encode())


def test_only_the_record_still_at_its_original_place_is_replayed():
    """Every service may write the dead-letter topics of what it reads, with any headers: a
    forged CaseWithdrawn "from intake" parked there by notifications' credentials was put on
    vod.intake, as intake's, by an operator's `replay --all`."""
    event = _request(relationship="stranger")
    letter = _letter(event)
    check_original(letter, (letter.key, letter.value, False))  # the owner's record: it goes
    with pytest.raises(Refused, match="forged or altered"):  # another there
        check_original(letter, (letter.key, json.dumps(_request()).encode(), False))
    with pytest.raises(Refused, match="forged or altered"):
        check_original(letter, (b"another-case", letter.value, False))
    with pytest.raises(Refused, match="newer record of its key"):  # her PersonErased after it
        check_original(letter, (letter.key, letter.value, True))
    with pytest.raises(Refused, match="compacted or expired"):
        check_original(letter, None)  # nothing there (any more), or no such place
    with pytest.raises(Refused, match="not kept"):  # a grant is never put back: intake grants
        replay_value(_letter(event, topic="p.vod.keys.dlq", original="p.vod.keys"), None)


def test_the_help_says_a_replay_is_applied_once():
    text = parser().format_help()
    assert "inbox" in text and "changes nothing" in text
    with pytest.raises(SystemExit):
        parser().parse_args(["replay", "x.dlq", "0", "1"])  # --by and --why are required
