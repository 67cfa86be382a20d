"""Form 1707 through the webhook: who may register, and for what."""
import json

import pytest

from ..conftest import dialogue_request


def registration(relationship="witness", notify_on=("release", "transfer"), **overrides) -> dict:
    body = dialogue_request(kind="custody_notification_registration",
                            requester__relationship=relationship, notes=..., **overrides)
    body["notify_on"] = list(notify_on) if notify_on is not None else None
    if notify_on is None:
        body.pop("notify_on")
    return body


async def test_a_witness_who_testified_registers_for_release_and_transfer(intake):
    response = await intake.post(registration())
    assert response.status_code == 202
    [person, announced] = await intake.events()
    assert announced["type"] == "vod.RegistrationReceived.v1"
    assert announced["subject"] == response.json()["registration_id"]
    assert announced["data"]["notify_on"] == ["release", "transfer"]
    assert announced["data"]["relationship"] == "witness"
    assert announced["data"]["cdcr_number"] == "AB1234"
    # Her contact, for notifications; no name for staff pages (no case shows her).
    assert person["data"]["sealed"]["purpose"] == "contact"
    assert person["data"]["staff_view"] is None


async def test_a_witness_is_not_told_of_parole_hearings(intake):
    response = await intake.post(registration(notify_on=("release", "parole_hearing")))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "notify_on"
    assert await intake.outbox(topic=None) == []


async def test_a_victims_family_may_register_for_parole_hearings(intake):
    response = await intake.post(registration("surviving_family_member", ("parole_hearing",)))
    assert response.status_code == 202


@pytest.mark.parametrize("body, field", [
    (registration(notify_on=()), "notify_on"),
    (registration(notify_on=None), "notify_on"),
    (registration(notify_on=("rumours",)), "notify_on.0"),
    (registration("other"), "requester.relationship"),
    (dialogue_request(notify_on=["release"]), "notify_on"),
])
async def test_what_cannot_be_registered_is_named(intake, body, field):
    response = await intake.post(body)
    assert response.status_code == 422, response.text
    assert field in [error["field"] for error in response.json()["errors"]]
