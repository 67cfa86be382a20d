"""Staff add the support person a victim brings to the dialogue: their details sealed under a
key of their own (on vod.people), the case's topic told only their id; removed at her word,
their details are erased everywhere."""
import json

import pytest

from vod_devtools.staff_testing import add_staff, sign_in
from vod_shared.sealing import CannotUnseal
from vod_shared.staff import Role

from ..conftest import dialogue_request

SUPPORTER = {"given_name": "Marta", "family_name": "Ruiz", "email": "marta.ruiz@example.org",
             "preferred_language": "es", "preferred_channel": "email"}


@pytest.fixture
async def staffed(intake, tmp_path):
    await sign_in(intake.http, add_staff(tmp_path / "staff.toml", "rosa", Role.INTAKE))
    return intake


def _remove(case_id: str, person_id: str) -> str:
    return f"/api/cases/{case_id}/support-persons/{person_id}/remove"


async def _case(intake) -> str:
    return (await intake.post(dialogue_request())).json()["case_id"]


async def test_a_support_person_is_sealed_and_announced_by_id_only(staffed):
    case_id = await _case(staffed)
    answer = await staffed.http.post(f"/api/cases/{case_id}/support-persons", json=SUPPORTER)
    assert answer.status_code == 201
    person_id = answer.json()["person_id"]
    added = [e for e in await staffed.events() if e["type"] == "vod.SupportPersonAdded.v1"]
    assert [(e["subject"], e["data"]["support_person_id"]) for e in added] == [
        (case_id, person_id)]
    [registered] = [e for e in await staffed.events() if e["type"] == "vod.PersonRegistered.v1"
                    and e["subject"] == person_id]
    # Notifications reaches them; scheduling's staff see their name only; nothing in clear.
    sealed, shown = registered["data"]["sealed"], registered["data"]["staff_view"]
    details = await staffed.opened_by("notifications", sealed, about=person_id)
    assert details["email"] == "marta.ruiz@example.org" and details["preferred_language"] == "es"
    assert await staffed.opened_by("scheduling", shown, about=person_id) == {
        "given_name": "Marta", "family_name": "Ruiz"}
    with pytest.raises(CannotUnseal):
        await staffed.opened_by("scheduling", sealed, about=person_id)
    every_event = json.dumps(await staffed.events())
    assert "Marta" not in every_event and "marta.ruiz" not in every_event
    listed = await staffed.http.get(f"/api/cases/{case_id}/support-persons")
    assert listed.json()["person_ids"] == [person_id]


async def test_a_support_person_is_never_taken_for_the_victim_asking_again(staffed):
    case_id = await _case(staffed)
    # Same email as the victim's own: still no join, no duplicate, no new case.
    same = {**SUPPORTER, "email": "ana.lopez@example.org"}
    assert (await staffed.http.post(f"/api/cases/{case_id}/support-persons",
                                     json=same)).status_code == 201
    again = (await staffed.post(dialogue_request())).json()
    assert again["case_id"] == case_id
    types = [e["type"] for e in await staffed.events()]
    assert "vod.PossibleDuplicateFound.v1" not in types


async def test_removing_one_at_her_word_erases_their_details(staffed):
    case_id = await _case(staffed)
    person_id = (await staffed.http.post(f"/api/cases/{case_id}/support-persons",
                                         json=SUPPORTER)).json()["person_id"]
    [registered] = [e for e in await staffed.events() if e["type"] == "vod.PersonRegistered.v1"
                    and e["subject"] == person_id]
    gone = await staffed.http.post(_remove(case_id, person_id), json={})
    assert gone.status_code == 202
    tail = [(e["type"], e["subject"], e["data"].get("reason"))
            for e in await staffed.events()][-2:]
    assert tail == [("vod.SupportPersonRemoved.v1", case_id, "victim_asked"),
                    ("vod.PersonErased.v1", person_id, None)]
    with pytest.raises(CannotUnseal):
        await staffed.open(registered["data"]["sealed"], about=person_id)
    listed = await staffed.http.get(f"/api/cases/{case_id}/support-persons")
    assert listed.json()["person_ids"] == []
    twice = await staffed.http.post(_remove(case_id, person_id), json={})
    assert twice.status_code == 404


async def test_the_victim_is_not_removable_as_a_support_person(staffed):
    case_id = await _case(staffed)
    victim_id = [e for e in await staffed.events()
                 if e["type"] == "vod.RequestReceived.v1"][0]["data"]["requester_id"]
    refused = await staffed.http.post(_remove(case_id, victim_id), json={})
    assert refused.status_code == 404
    assert "vod.PersonErased.v1" not in [e["type"] for e in await staffed.events()]


@pytest.mark.parametrize("body, status", [
    ({**SUPPORTER, "email": None}, 422),              # email chosen, none given
    ({**SUPPORTER, "phone": "not a phone"}, 422),
    ({**SUPPORTER, "given_name": ""}, 422),
    ({**SUPPORTER, "note": "x"}, 422)])
async def test_what_cannot_be_added(staffed, body, status):
    case_id = await _case(staffed)
    answer = await staffed.http.post(f"/api/cases/{case_id}/support-persons", json=body)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    if body.get("email", "") is None:
        assert answer.json()["errors"][0]["field"] == "email"
    missing = await staffed.http.post("/api/cases/nope/support-persons", json=SUPPORTER)
    assert missing.status_code == 404


async def test_a_withdrawn_case_takes_no_support_person(staffed):
    case_id = await _case(staffed)
    await staffed.http.post(f"/api/cases/{case_id}/withdraw", json={})
    answer = await staffed.http.post(f"/api/cases/{case_id}/support-persons", json=SUPPORTER)
    assert answer.status_code == 409


async def test_only_staff_who_act_for_victims_add_one(intake, tmp_path):
    case_id = await _case(intake)
    assert (await intake.http.post(f"/api/cases/{case_id}/support-persons",
                                   json=SUPPORTER)).status_code in (401, 403)


async def test_erasing_the_victim_erases_her_support_persons_with_her(intake, tmp_path):
    await sign_in(intake.http, add_staff(tmp_path / "staff.toml", "ines", Role.INTAKE,
                                         Role.ADMIN))
    case_id = await _case(intake)
    add = f"/api/cases/{case_id}/support-persons"
    kept, removed = [(await intake.http.post(add, json=SUPPORTER)).json()["person_id"]
                     for _ in range(2)]
    assert (await intake.http.post(_remove(case_id, removed), json={})).status_code == 202
    [registered] = [e for e in await intake.events() if e["type"] == "vod.PersonRegistered.v1"
                    and e["subject"] == kept]
    before = len(await intake.events())

    erased = await intake.http.post(f"/api/cases/{case_id}/erase-requester",
                                    json={"reason": "person_asked"})
    assert erased.status_code == 202
    victim = erased.json()["person_id"]
    after = [(e["type"], e["subject"], e["data"].get("reason"))
             for e in (await intake.events())[before:]]
    assert after == [("vod.PersonErased.v1", victim, None),
                     ("vod.SupportPersonRemoved.v1", case_id, "victim_erased"),
                     ("vod.PersonErased.v1", kept, None)]  # the one removed before is not again
    with pytest.raises(CannotUnseal):
        await intake.open(registered["data"]["sealed"], about=kept)
    assert (await intake.http.get(add)).json()["person_ids"] == []
    async with intake.runtime.uow() as uow:  # nothing of theirs left in intake's store
        assert await uow.people.sealed(kept) is None


async def test_her_erased_case_takes_no_support_person_after(intake, tmp_path):
    await sign_in(intake.http, add_staff(tmp_path / "staff.toml", "ines", Role.INTAKE,
                                         Role.ADMIN))
    case_id = await _case(intake)
    erased = await intake.http.post(f"/api/cases/{case_id}/erase-requester",
                                    json={"reason": "person_asked"})
    assert erased.status_code == 202
    answer = await intake.http.post(f"/api/cases/{case_id}/support-persons", json=SUPPORTER)
    assert answer.status_code == 409 and "erased" in answer.json()["detail"]
    assert not [e for e in await intake.events() if e["type"] == "vod.SupportPersonAdded.v1"]


async def test_a_support_person_erased_alone_is_taken_off_every_case_they_support(
        intake, tmp_path):
    await sign_in(intake.http, add_staff(tmp_path / "staff.toml", "ines", Role.INTAKE,
                                         Role.ADMIN))
    first = await _case(intake)
    second = (await intake.post(dialogue_request(offender__cdcr_number="cd5678"))).json()[
        "case_id"]
    assert second != first
    person = (await intake.http.post(f"/api/cases/{first}/support-persons",
                                     json=SUPPORTER)).json()["person_id"]
    other = (await intake.http.post(f"/api/cases/{second}/support-persons",
                                    json=SUPPORTER)).json()["person_id"]
    before = len(await intake.events())
    answer = await intake.http.post(f"/api/people/{person}/erase",
                                    json={"reason": "person_asked"})
    assert answer.status_code == 202
    after = [(e["type"], e["subject"], e["data"].get("support_person_id"), e["data"].get("reason"))
             for e in (await intake.events())[before:]]
    assert after == [("vod.SupportPersonRemoved.v1", first, person, "support_person_erased"),
                     ("vod.PersonErased.v1", person, None, None)]
    assert (await intake.http.get(f"/api/cases/{first}/support-persons")).json()[
        "person_ids"] == []
    assert (await intake.http.get(f"/api/cases/{second}/support-persons")).json()[
        "person_ids"] == [other]  # another case's support person stays
