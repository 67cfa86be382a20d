"""An administrator erases a person: intake keeps nothing that identifies or reaches them,
PersonErased is announced, their custody notices end, and the case's history stays."""
import asyncio
import json

import pytest
from sqlalchemy import select

from vod_devtools.staff_testing import add_staff, sign_in
from vod_shared.staff import Role

from intake.adapters.orm import cases, people, person_lookups

from ..conftest import dialogue_request, operator_env


@pytest.fixture
async def admin(intake, tmp_path):
    await sign_in(intake.http, add_staff(tmp_path / "staff.toml", "ines", Role.ADMIN))
    return intake


async def _her(intake) -> tuple[str, str, str]:
    case = (await intake.post(dialogue_request())).json()
    registration = (await intake.post(dialogue_request(
        kind="custody_notification_registration", notify_on=["release"], requester__given_name=...,
        requester__family_name=..., notes=...))).json()
    events = [json.loads(r.value) for r in await intake.outbox()]
    return case["case_id"], events[0]["data"]["requester_id"], registration["registration_id"]


async def _row(intake, table, column, value):
    async with intake.runtime.engine.connect() as conn:
        return (await conn.execute(select(table).where(column == value))).first()


async def test_erasing_the_requester_of_a_case_leaves_nothing_of_her_in_intake(admin):
    case_id, person_id, _ = await _her(admin)
    answer = await admin.http.post(f"/api/cases/{case_id}/erase-requester",
                                   json={"reason": "person_asked"})
    assert answer.status_code == 202 and answer.json()["person_id"] == person_id
    person = await _row(admin, people, people.c.person_id, person_id)
    assert person.sealed is None and person.unproven is None and person.erased_at is not None
    assert await _row(admin, person_lookups, person_lookups.c.person_id, person_id) is None
    case = await _row(admin, cases, cases.c.case_id, case_id)
    assert case.sealed_details == {} and case.reference.startswith("VOD-")  # history stays
    [erased] = [json.loads(r.value) for r in await admin.outbox(topic="vod.people")
                if json.loads(r.value)["type"] == "vod.PersonErased.v1"]
    assert erased["subject"] == person_id  # on the compacted topic it replaces her details
    # A new request with her email is no longer recognised as hers.
    again = (await admin.post(dialogue_request())).json()
    assert again["case_id"] != case_id


async def test_erasing_a_registrant_ends_their_custody_notices(admin):
    registration = (await admin.post(dialogue_request(
        kind="custody_notification_registration", notify_on=["release"],
        requester__relationship="witness", notes=...))).json()
    [received] = [json.loads(r.value) for r in await admin.outbox()]
    person_id = received["data"]["registrant_id"]
    answer = await admin.http.post(f"/api/people/{person_id}/erase",
                                   json={"reason": "retention_period"})
    assert answer.status_code == 202
    types = [json.loads(r.value)["type"] for r in await admin.outbox()]
    assert types == ["vod.RegistrationReceived.v1", "vod.RegistrationCancelled.v1"]
    assert received["subject"] == registration["registration_id"]


@pytest.mark.parametrize("body, status", [({"reason": "because"}, 422), ({}, 422),
                                          ({"reason": "person_asked", "note": "x"}, 422)])
async def test_an_erasure_needs_a_known_reason_code(admin, body, status):
    case_id, _, _ = await _her(admin)
    answer = await admin.http.post(f"/api/cases/{case_id}/erase-requester", json=body)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"


async def test_unknown_people_and_cases_are_404_and_only_admins_erase(intake, tmp_path):
    await sign_in(intake.http, add_staff(tmp_path / "staff.toml", "rosa", Role.INTAKE))
    refused = await intake.http.post("/api/people/nobody/erase", json={"reason": "person_asked"})
    assert refused.status_code == 403
    intake.http.cookies.clear()
    await sign_in(intake.http, add_staff(tmp_path / "staff.toml", "ines", Role.ADMIN))
    for path in ("/api/people/nobody/erase", "/api/cases/nothing/erase-requester"):
        answer = await intake.http.post(path, json={"reason": "person_asked"})
        assert answer.status_code == 404, path


async def test_an_operator_erases_from_the_command_line(intake, capsys):
    from intake.erase import main
    case_id, person_id, _ = await _her(intake)
    with operator_env(intake):
        code = await asyncio.to_thread(main, ["--case", case_id, "--reason", "legal_order",
                                              "--by", "ines"])
        missing = await asyncio.to_thread(main, ["--person", "nobody", "--reason",
                                                 "legal_order", "--by", "ines"])
    assert (code, missing) == (0, 1)
    assert f"erased {person_id}" in capsys.readouterr().out
    person = await _row(intake, people, people.c.person_id, person_id)
    assert person.sealed is None


async def test_her_erasure_takes_the_requests_still_waiting_on_her_contact(admin):
    """A request from the public page waits, sealed, for its contact to be proven: confirmed
    after her erasure it made her again (PersonRegistered, RequestReceived)."""
    from intake.adapters.orm import pending_requests
    from intake_tests.unit.test_public_pages import submit

    case_id, _, _ = await _her(admin)
    for email in ("ana.lopez@example.org", "Ana.Lopez+door@example.org"):  # one inbox
        assert (await submit(admin, "en", email=email)).status_code == 303
    waiting = admin.post_office.last_link()
    answer = await admin.http.post(f"/api/cases/{case_id}/erase-requester",
                                   json={"reason": "person_asked"})
    assert answer.status_code == 202
    async with admin.runtime.engine.connect() as conn:
        assert (await conn.execute(select(pending_requests))).all() == []
    assert (await admin.http.post(f"/confirm/{waiting}")).status_code == 410  # nothing made
