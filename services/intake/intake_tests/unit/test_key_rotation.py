"""Rotating keys with intake's commands (README, "Rotation"): after a reader's key rotates,
``intake.keys regrant`` gives it every data key again for its new key; after intake's own key
rotates, ``intake.keys rewrap`` seals again what intake keeps under it, so the old key can be
retired. The blind index has a key of its own and does not change with either."""
import asyncio

import pytest
from sqlalchemy import select, update

from vod_devtools.staff_testing import add_staff, sign_in
from vod_shared.sealing import KEY_RETIRED, CannotUnseal, fingerprint
from vod_shared.staff import Role

from intake.adapters.orm import case_notes, people, person_lookups
from intake.keys import main

from ..conftest import dialogue_request, intake_on, operator_env
from .test_public_pages import submit


async def _her(intake) -> tuple[str, str, dict]:
    case_id = (await intake.post(dialogue_request())).json()["case_id"]
    person = next(e for e in await intake.events() if e["type"] == "vod.PersonRegistered.v1")
    return person["subject"], case_id, person


async def _run(intake, *argv) -> int:
    with operator_env(intake):
        return await asyncio.to_thread(main, list(argv))


async def test_regrant_gives_a_reader_every_key_again_for_its_new_key(intake, capsys):
    person_id, case_id, person = await _her(intake)
    keys = intake.keys
    old, new = keys.rotate("notifications")
    keys.retire("notifications", old)
    with pytest.raises(CannotUnseal) as refused:  # its grants are for the key it retired
        await intake.opened_by("notifications", person["data"]["sealed"], about=person_id)
    assert refused.value.reason == KEY_RETIRED

    before = len(await intake.grants())
    assert await _run(intake, "regrant", "notifications") == 0
    assert "2 data keys granted again to notifications" in capsys.readouterr().out
    regranted = (await intake.grants())[before:]
    assert {(g.subject_id, g.reader, g.reader_key) for g in regranted} == {
        (person_id, "notifications", new), (case_id, "notifications", new)}
    details = await intake.opened_by("notifications", person["data"]["sealed"], about=person_id)
    assert details["email"] == "ana.lopez@example.org"
    rows = [r for r in await intake.outbox(topic="vod.keys")][-2:]
    assert sorted(r.key for r in rows) == sorted([f"{person_id}/notifications",
                                                 f"{case_id}/notifications"])


async def test_regrant_refuses_a_service_that_is_given_no_keys(intake, capsys):
    await _her(intake)
    before = len(await intake.grants())
    assert await _run(intake, "regrant", "intake") == 2
    assert "given no keys" in capsys.readouterr().err
    assert len(await intake.grants()) == before


async def test_rewrap_then_retiring_intakes_old_key_leaves_everything_it_stores_openable(
        intake, tmp_path, capsys):
    person_id, case_id, person = await _her(intake)
    await sign_in(intake.http, add_staff(tmp_path / "staff.toml", "rosa", Role.INTAKE))
    await intake.http.post(f"/api/cases/{case_id}/pause", json={"reason": "in hospital"})
    waiting = await submit(intake, "en", email="later@example.org", cdcr_number="C55555")
    assert waiting.status_code == 303
    link = intake.post_office.last_link()

    keys = intake.keys
    old, new = keys.rotate("intake")
    assert await _run(intake, "rewrap") == 0
    said = capsys.readouterr().out
    assert "subject_keys.sealed_secret 2" in said and "pending_requests.sealed_form 1" in said
    keys.retire("intake", old)

    async with intake.runtime.engine.connect() as conn:
        sealed = (await conn.execute(select(people.c.sealed))).scalar_one()
        note = (await conn.execute(select(case_notes.c.sealed_note))).scalar_one()
    assert (await intake.open(sealed, about=person_id))["family_name"] == "López"
    assert await intake.open(note, about=case_id) == {"note": "in hospital"}
    # The request waiting for its link is made when she follows it.
    assert (await intake.http.post(f"/confirm/{link}")).status_code == 303
    # What intake seals now is signed and wrapped with its new key; readers still open it.
    later = [e for e in await intake.events() if e["type"] == "vod.PersonRegistered.v1"][-1]
    assert later["data"]["sealed"]["sender_key"] == fingerprint(keys.signing_key(
        "intake").verify_key)
    assert (await intake.opened_by("notifications", later["data"]["sealed"],
                                   about=later["subject"]))["email"] == "later@example.org"
    assert fingerprint(keys.public_key("intake")) == new


async def test_the_blind_index_stays_when_intakes_key_rotates(intake, tmp_path):
    first = (await intake.post(dialogue_request())).json()
    async with intake.runtime.engine.connect() as conn:
        lookups = sorted((await conn.execute(select(person_lookups.c.lookup))).scalars())
    keys = intake.keys
    old, _ = keys.rotate("intake")
    assert await _run(intake, "rewrap") == 0
    keys.retire("intake", old)
    # Intake restarted with its new key: her contacts hash the same, her new request joins.
    url = intake.runtime.settings.effective_database_url()
    async for restarted in intake_on(tmp_path, url):
        assert restarted.app.state.intake.context.vault.key_for(
            "email", "ana.lopez@example.org") in lookups
        again = (await restarted.post(dialogue_request(notes="again"))).json()
        assert again == first


async def test_reindex_moves_hashes_made_with_intakes_private_key_to_the_blind_index_key(
        intake):
    first = (await intake.post(dialogue_request())).json()
    vault = intake.app.state.intake.context.vault
    values = {"email": "ana.lopez@example.org", "phone": "+16195550100"}
    async with intake.runtime.engine.begin() as conn:  # as a store made before blind-index.key
        for kind, value in values.items():
            await conn.execute(update(person_lookups).where(person_lookups.c.kind == kind)
                               .values(lookup=vault.lookups_before_blind_index_key(kind,
                                                                                  value)[0]))
    assert await _run(intake, "reindex") == 0
    async with intake.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(person_lookups.c.kind, person_lookups.c.lookup,
                                          person_lookups.c.confirmed))).all()
    assert sorted(rows) == sorted((kind, vault.key_for(kind, value), True)
                                  for kind, value in values.items())
    assert (await intake.post(dialogue_request(notes="again"))).json() == first


async def test_values_stored_before_subject_keys_still_open_and_are_rewrapped(intake):
    person_id, _, _ = await _her(intake)
    vault = intake.app.state.intake.context.vault
    before = vault.seal_own({"given_name": "Ana", "email": "ana.lopez@example.org"},
                            about=person_id)  # as intake sealed her before keys per person
    # Someone erased meanwhile: her row and her case hold nothing to re-seal.
    await intake.post(dialogue_request(requester__email="marta@example.org", requester__phone=...))
    async with intake.runtime.engine.begin() as conn:
        await conn.execute(update(people).where(people.c.person_id == person_id)
                           .values(sealed=before.model_dump()))
    async with intake.runtime.engine.connect() as conn:
        marta = (await conn.execute(select(people.c.person_id).where(
            people.c.person_id != person_id))).scalar_one()
    await sign_in(intake.http, add_staff(intake.runtime.settings.staff_file, "ines", Role.ADMIN))
    assert (await intake.http.post(f"/api/people/{marta}/erase",
                                   json={"reason": "person_asked"})).status_code == 202
    assert (await intake.open(before, about=person_id))["given_name"] == "Ana"

    keys = intake.keys
    old, _ = keys.rotate("intake")
    assert await _run(intake, "rewrap") == 0
    keys.retire("intake", old)
    async with intake.runtime.engine.connect() as conn:
        sealed = (await conn.execute(select(people.c.sealed).where(
            people.c.person_id == person_id))).scalar_one()
    assert sealed != before.model_dump()
    assert (await intake.open(sealed, about=person_id))["email"] == "ana.lopez@example.org"
