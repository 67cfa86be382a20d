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

PERSONAL = ("Ana", "López", "ana.lopez@example.org", "555-0100", "5550100", "John", "Doe",
            "tarde", "llamen", "Juan", "mañana")
AGAIN = dialogue_request(notes="Solo puedo por la mañana.", offender__given_name="Juan")


def _events(rows) -> list[dict]:
    return [json.loads(row.value) for row in rows]


def _outside_seals(value: bytes) -> str:
    """The event as text, sealed values left out (random base64 may spell "Ana" by chance)."""
    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in ("ciphertext", "wrapped_keys")}
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
    assert set(details["wrapped_keys"]) == {"intake", "screening", "scheduling"}
    vault = intake.app.state.intake.context.vault
    assert vault.open(SealedDetails.model_validate(details)) == {
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


async def test_asking_again_on_the_public_page_is_announced_as_from_the_page(intake):
    await intake.post(dialogue_request())
    page = await intake.http.get("/request?lang=es")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = {"kind": "dialogue_request", "given_name": "Ana", "family_name": "López",
            "relationship": "victim", "email": "ANA.LOPEZ@example.org", "phone": "",
            "preferred_channel": "email", "preferred_language": "es", "cdcr_number": "ab1234",
            "notes": "", "csrf_token": token}
    done = await intake.http.post("/request?lang=es", data=form)
    assert done.status_code == 200 and "Recibimos su solicitud" in done.text
    [repeated] = [e for e in _events(await intake.outbox()) if e["type"].startswith(
        "vod.RequestRepeated.")]
    assert repeated["data"]["source"] == "web_form"


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
