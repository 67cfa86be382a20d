"""A person with an open case who asks again about the same offender: the request joins the
case, and is announced (``RequestRepeated``) so that staff see it and the person is answered
again; what they wrote this time travels sealed, never in plain text."""
import json
import re
from datetime import datetime, timezone

import pytest

from vod_shared.events import ActedBy, RequestSource, SealedDetails

from intake.domain.commands import ChangeCase
from intake.domain.errors import CaseStepRefused
from intake.domain.model import Case, CaseStatus

from ..conftest import dialogue_request
from .test_public_pages import submit_and_confirm

PERSONAL = ("Ana", "López", "ana.lopez@example.org", "555-0100", "5550100", "John", "Doe",
            "tarde", "llamen", "Juan", "mañana")
AGAIN = dialogue_request(notes="Solo puedo por la mañana.", offender__given_name="Juan")


def _events(rows) -> list[dict]:
    return [json.loads(row.value) for row in rows]


def _outside_seals(value: bytes) -> str:
    """The event as text, sealed values left out (random base64 may spell "Ana" by chance)."""
    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items()
                    if k not in ("ciphertext", "wrapped_keys", "signature", "wrapped")}
        return [strip(v) for v in node] if isinstance(node, list) else node
    return json.dumps(strip(json.loads(value)), ensure_ascii=False)


async def test_asking_again_joins_the_open_case_and_announces_it_once_with_sealed_notes(intake):
    first = (await intake.post(dialogue_request())).json()
    again = await intake.post(AGAIN)
    assert again.status_code == 202 and again.json() == first

    received, repeated = _events(await intake.outbox())
    assert repeated["type"] == "vod.RequestRepeated.v1"
    assert repeated["subject"] == first["case_id"] == repeated["data"]["case_id"]
    assert repeated["data"]["requester_id"] == received["data"]["requester_id"]
    assert repeated["data"]["source"] == "webhook"
    details = repeated["data"]["details"]
    assert details["purpose"] == "case_notes"
    assert await intake.open(details, about=first["case_id"]) == {
        "offender_given_name": "Juan", "offender_family_name": "Doe",
        "notes": "Solo puedo por la mañana."}
    rows = await intake.outbox(topic=None)
    assert not any(value in _outside_seals(row.value) for row in rows for value in PERSONAL)
    # No second person: the case's requester stays who they were.
    assert [e["type"] for e in _events(rows)].count("vod.PersonRegistered.v1") == 1


async def test_a_partners_retry_of_the_repeat_gets_the_first_answer_and_nothing_new(intake):
    first = (await intake.post(dialogue_request())).json()
    repeat = await intake.post(AGAIN, webhook_id="msg_repeat_1")
    retry = await intake.post(AGAIN, webhook_id="msg_repeat_1")
    assert repeat.json() == retry.json() == first and retry.status_code == 202
    assert [e["type"] for e in _events(await intake.outbox())] == [
        "vod.RequestReceived.v1", "vod.RequestRepeated.v1"]


async def test_asking_again_on_the_public_page_with_the_proven_email_joins_her_case(intake):
    await submit_and_confirm(intake, email="ana.lopez@example.org")
    await submit_and_confirm(intake, email="ANA.LOPEZ@example.org", notes="otra vez")
    received, repeated = _events(await intake.outbox())
    assert repeated["type"] == "vod.RequestRepeated.v1"
    assert repeated["data"]["source"] == "web_form"
    assert repeated["subject"] == received["subject"]


async def test_a_stranger_with_her_phone_cannot_squat_her_case(intake):
    # He files first, with her phone and his own email, and proves his email.
    await submit_and_confirm(intake, email="stranger@example.net", phone="(619) 555-0100")
    # She asks later with her phone and her email, and proves hers.
    await submit_and_confirm(intake, email="ana.lopez@example.org", phone="(619) 555-0100")
    his, hers, duplicate = _events(await intake.outbox())
    assert his["type"] == hers["type"] == "vod.RequestReceived.v1"
    assert hers["subject"] != his["subject"]  # her own case, her own person
    assert hers["data"]["requester_id"] != his["data"]["requester_id"]
    assert duplicate["type"] == "vod.PossibleDuplicateFound.v1"
    assert duplicate["data"] == {"case_id": hers["subject"], "other_case_id": his["subject"],
                                 "overlaps": ["same_phone"], "at": duplicate["data"]["at"]}


async def test_a_phone_he_typed_but_never_proved_does_not_join_her_by_text_either(intake):
    await submit_and_confirm(intake, email="stranger@example.net", phone="(619) 555-0100")
    await submit_and_confirm(intake, preferred_channel="sms", email="", phone="(619) 555-0100")
    types = [e["type"] for e in _events(await intake.outbox())]
    assert types == ["vod.RequestReceived.v1", "vod.RequestReceived.v1",
                     "vod.PossibleDuplicateFound.v1"]


async def test_same_contact_but_another_relationship_is_for_staff_to_judge(intake):
    await submit_and_confirm(intake)
    await submit_and_confirm(intake, relationship="surviving_family_member")
    assert [e["type"] for e in _events(await intake.outbox())][-1] == (
        "vod.PossibleDuplicateFound.v1")


async def test_after_a_withdrawal_asking_again_opens_a_new_case(intake):
    first = (await intake.post(dialogue_request())).json()
    await intake.app.state.intake.handle(
        ChangeCase(case_id=first["case_id"], action="withdraw", by=ActedBy.VICTIM))
    again = (await intake.post(AGAIN)).json()
    assert again["case_id"] != first["case_id"] and again["reference"] != first["reference"]
    assert [e["type"] for e in _events(await intake.outbox())] == [
        "vod.RequestReceived.v1", "vod.CaseWithdrawn.v1", "vod.RequestReceived.v1"]


def test_a_case_no_longer_open_takes_no_repeated_request():
    case = Case("c1", "VOD-2026-000001", "p1", "AB1234", CaseStatus.WITHDRAWN,
                datetime(2026, 11, 23, tzinfo=timezone.utc))
    with pytest.raises(CaseStepRefused):
        case.asked_again(source=RequestSource.PHONE,
                         details=SealedDetails(wrapped_keys={}, ciphertext=""),
                         now=datetime(2026, 11, 24, tzinfo=timezone.utc))
    assert case.events == []
