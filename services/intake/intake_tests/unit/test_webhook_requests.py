"""POST /webhooks/requests: what a partner's form sees, and what intake records."""
import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from vod_devtools.testing import carries

from intake.adapters.orm import people

from ..conftest import dialogue_request, signed_headers

PERSONAL = ("Ana", "López", "ana.lopez@example.org", "555-0100", "5550100", "John", "Doe", "tarde")

async def test_an_accepted_request_gets_a_reference_and_announces_the_case(intake):
    response = await intake.post(dialogue_request())
    assert response.status_code == 202
    body = response.json()
    assert re.fullmatch(r"VOD-\d{4}-\d{6}", body["reference"])
    [row] = await intake.outbox()
    event = json.loads(row.value)
    assert not any(carries(row.value.decode(), value) for value in PERSONAL)
    assert row.key == body["case_id"] and row.topic == "vod.intake"
    assert event["type"] == "vod.RequestReceived.v1" and event["subject"] == body["case_id"]
    assert event["data"]["cdcr_number"] == "AB1234"
    assert event["data"]["preferred_language"] == "es"
    assert event["data"]["offer_travel_accommodation"] is False  # deprecated: never set
    logistics = event["data"]["logistics"]
    assert logistics["purpose"] == "logistics" and logistics["sealed_by"] == "intake"
    assert await intake.open(logistics, about=body["case_id"]) == {
        "offer_travel_accommodation": True}  # she lives in Arizona


async def test_references_count_up(intake):
    first = (await intake.post(dialogue_request())).json()["reference"]
    second = (await intake.post(dialogue_request(requester__email="marta@example.org",
                                                 requester__phone=...))).json()["reference"]
    assert int(second[-6:]) == int(first[-6:]) + 1


async def test_a_second_request_about_the_same_offender_joins_the_open_case(intake):
    first = (await intake.post(dialogue_request())).json()
    by_phone = dialogue_request(requester__email=..., requester__phone="+1 619 555 0100",
                                requester__preferred_channel="sms")
    again = (await intake.post(by_phone)).json()
    other_offender = (await intake.post(dialogue_request(offender__cdcr_number="C55555"))).json()
    assert again == first
    assert other_offender["case_id"] != first["case_id"]
    assert [json.loads(row.value)["type"] for row in await intake.outbox()] == [
        "vod.RequestReceived.v1", "vod.RequestRepeated.v1", "vod.RequestReceived.v1"]


async def test_the_requester_travels_only_sealed_on_the_people_topic(intake):
    body = (await intake.post(dialogue_request())).json()
    events = await intake.events()
    assert [e["type"] for e in events] == ["vod.PersonRegistered.v1", "vod.RequestReceived.v1"]
    person, request = events
    assert person["subject"] == request["data"]["requester_id"] != body["case_id"]
    # Staff-side services get the name alone (staff_view): who opens which is in
    # test_who_reads_what.
    assert (person["data"]["sealed"]["purpose"], person["data"]["staff_view"]["purpose"]) == (
        "contact", "name")
    rows = await intake.outbox(topic=None)
    assert not any(carries(row.value.decode(), value) for row in rows for value in PERSONAL)


async def test_the_same_webhook_id_gets_the_first_answer_and_nothing_new_happens(intake):
    first = await intake.post(dialogue_request(), webhook_id="msg_retry_1")
    again = await intake.post(dialogue_request(), webhook_id="msg_retry_1")
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert len(await intake.outbox()) == 1


async def test_a_person_is_stored_sealed_with_the_phone_in_e164(intake):
    await intake.post(dialogue_request(requester__preferred_channel="sms"))
    async with intake.runtime.engine.connect() as conn:
        [(person_id, sealed)] = (await conn.execute(select(people.c.person_id,
                                                           people.c.sealed))).all()
    assert not any(value in json.dumps(sealed) for value in PERSONAL)
    assert sealed["purpose"] == "contact"  # under her own key, erased with it
    details = await intake.open(sealed, about=person_id)
    assert details["phone"] == "+16195550100" and details["family_name"] == "López"


@pytest.mark.parametrize("signing", [
    {"secret": "whsec_" + "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA=="},
    {"at": timedelta(minutes=-6)},  # older than five minutes
    {"at": timedelta(minutes=6)},   # from the future
])
async def test_a_bad_or_stale_signature_is_refused(intake, signing):
    # Times are taken now, not when the tests were collected minutes ago.
    if "at" in signing:
        signing = {"at": datetime.now(timezone.utc) + signing["at"]}
    response = await intake.post(dialogue_request(), **signing)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert await intake.outbox() == []


async def test_an_unsigned_request_is_refused(intake):
    response = await intake.http.post("/webhooks/requests", json=dialogue_request())
    assert response.status_code == 401


async def test_a_witness_is_told_they_may_register_instead(intake):
    response = await intake.post(dialogue_request(requester__relationship="witness"))
    problem = response.json()
    assert response.status_code == 422
    assert problem["errors"][0]["field"] == "requester.relationship"
    assert "register" in problem["detail"] and "victim" in problem["detail"]


@pytest.mark.parametrize("overrides, field", [
    ({"requester__email": ...}, "requester.email"),
    ({"offender__cdcr_number": "1234567"}, "offender.cdcr_number"),
    ({"requester__phone": "555"}, "requester.phone"),
    ({"requester__preferred_language": "fr"}, "requester.preferred_language"),
    ({"requester__state": "ZZ"}, "requester.state"),
    ({"requester__favourite_colour": "blue"}, "requester.favourite_colour"),
    ({"requester__given_name": ...}, "requester.given_name"),
    ({"requester__relationship": "other"}, "requester.relationship"),
])
async def test_each_bad_field_is_named_without_echoing_what_was_sent(intake, overrides, field):
    response = await intake.post(dialogue_request(**overrides))
    assert response.status_code == 422, response.text
    assert field in [error["field"] for error in response.json()["errors"]]
    assert not any(value in response.text for value in PERSONAL)
    assert await intake.outbox() == []


async def test_only_json_is_accepted(intake):
    raw = b"kind=dialogue_request"
    headers = signed_headers(raw) | {"content-type": "application/x-www-form-urlencoded"}
    response = await intake.http.post("/webhooks/requests", content=raw, headers=headers)
    assert response.status_code == 415


async def test_an_oversized_body_is_refused(intake):
    response = await intake.post(dialogue_request(notes="x" * 70_000))
    assert response.status_code == 413


async def test_metrics_count_each_call_by_outcome_and_nothing_of_hers(intake):
    async def counted() -> dict[str, float]:
        text = (await intake.http.get("/metrics")).text
        assert not any(value in text for value in PERSONAL)
        return {m.group(1): float(m.group(2)) for m in re.finditer(
            r'^vod_webhook_requests_total\{outcome="(\w+)"\} (\S+)$', text, re.M)}

    assert set((await counted()).values()) == {0.0}
    assert (await intake.post(dialogue_request(), webhook_id="msg_1")).status_code == 202
    assert (await intake.post(dialogue_request(), webhook_id="msg_1")).status_code == 202
    assert (await intake.post(dialogue_request(), secret="whsec_" + "d3Jvbmctc2VjcmV0LXdyb25n"
                                                                     "LXNlY3JldA==")).status_code == 401
    assert (await intake.post(b"{not json")).status_code == 400
    assert (await intake.post(dialogue_request(requester__relationship="witness"))
            ).status_code == 422
    assert await counted() == {"accepted": 1, "duplicate": 1, "rejected_signature": 1,
                               "invalid": 2}


async def test_many_requests_at_once_are_each_accepted_once_with_a_reference_of_their_own(intake):
    """32 partners' requests in flight together (SQLite takes one writer at a time): none is
    refused or lost, each opens one case, and the references count up without a gap."""
    import asyncio
    import uuid

    bodies = [dialogue_request(requester__email=f"p{uuid.uuid4().hex[:10]}@example.org",
                               requester__phone=..., offender__cdcr_number=f"C{i:05d}")
              for i in range(32)]
    answers = await asyncio.gather(*(intake.post(body) for body in bodies))
    assert [a.status_code for a in answers] == [202] * 32
    numbers = sorted(int(a.json()["reference"][-6:]) for a in answers)
    assert numbers == list(range(numbers[0], numbers[0] + 32))
    opened = [e for e in await intake.events() if e["type"] == "vod.RequestReceived.v1"]
    assert sorted(e["subject"] for e in opened) == sorted(a.json()["case_id"] for a in answers)
