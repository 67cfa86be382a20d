"""Whether the victim lives outside California (so is offered travel accommodation) comes sealed
for screening in ``RequestReceived.logistics``: the case page and the API open it for staff, the
store and the stored timeline keep it sealed, and erasing the requester forgets it."""
import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from vod_devtools.testing import IntakeSealer
from vod_shared import events as e
from vod_shared.consumer import Unprocessable
from vod_shared.person_keys import CONTACT, LOGISTICS
from vod_shared.sealing import KeyDirectory
from vod_shared.staff import Role

from ..conftest import new_cdcr_number

NOW = datetime.now(timezone.utc)
OUT_OF_STATE = "the victim lives outside California: travel accommodation offered"


async def case_with(screening, logistics: dict | None, *, granted: bool = True,
                    purpose: str = LOGISTICS) -> e.RequestReceived:
    request = screening.intake_request(new_cdcr_number())
    if logistics is not None:
        request = request.model_copy(update={"logistics": screening.seal(
            logistics, purpose, about=request.case_id)})
    if granted:
        await screening.grant(request.case_id)
    await screening.apply(request)
    return request


async def shown(screening, case_id: str) -> tuple[dict, str]:
    screener = await screening.staff(Role.SCREENER)
    answer = await screener.get(f"/api/cases/{case_id}")
    page = await screener.get(f"/staff/cases/{case_id}")
    assert answer.status_code == page.status_code == 200
    return answer.json(), page.text


async def test_an_out_of_state_victim_is_shown_as_offered_travel(screening):
    request = await case_with(screening, {"offer_travel_accommodation": True})
    case, page = await shown(screening, request.case_id)
    assert case["travel_accommodation"] is True
    assert case["timeline"][0]["summary"].endswith(OUT_OF_STATE)
    assert "The victim lives outside California: offer travel accommodation" in page
    assert OUT_OF_STATE in page


async def test_a_victim_in_california_is_not_offered_travel(screening):
    request = await case_with(screening, {"offer_travel_accommodation": False})
    case, page = await shown(screening, request.case_id)
    assert case["travel_accommodation"] is False
    assert "No travel accommodation: the victim lives in California" in page
    assert OUT_OF_STATE not in page


async def test_the_old_plain_field_is_not_believed_and_no_logistics_is_not_known(screening):
    request = screening.intake_request(new_cdcr_number()).model_copy(
        update={"offer_travel_accommodation": True})
    await screening.apply(request)
    case, page = await shown(screening, request.case_id)
    assert case["travel_accommodation"] is None
    assert "Not known: ask the victim where they live." in page
    assert "travel accommodation offered" not in page


async def test_logistics_sealed_for_another_purpose_are_refused(screening):
    """Intake's real signature, but a value sealed for what screening may not read (a person's
    contact): the request is dead-lettered, and nothing of it is kept."""
    request = screening.intake_request(new_cdcr_number())
    request = request.model_copy(update={"logistics": screening.seal(
        {"offer_travel_accommodation": True}, CONTACT, about=request.case_id)})
    await screening.grant()
    with pytest.raises(Unprocessable, match="logistics refused: not_sealed_for_us"):
        await screening.apply(request)
    async with screening.runtime.uow() as uow:
        assert await uow.cases.get(request.case_id) is None


async def test_logistics_of_another_case_are_refused(screening):
    """A case's real logistics, replayed in a request for another case id: the signature is
    about that case, so the request is dead-lettered and no case is opened."""
    theirs = screening.intake_request(new_cdcr_number(), {"offer_travel_accommodation": True})
    request = screening.intake_request(new_cdcr_number()).model_copy(
        update={"logistics": theirs.logistics})
    await screening.grant()
    with pytest.raises(Unprocessable, match="logistics refused: not_authentic"):
        await screening.apply(request)
    async with screening.runtime.uow() as uow:
        assert await uow.cases.get(request.case_id) is None


async def test_logistics_intake_did_not_sign_are_refused(screening, tmp_path):
    """Sealed and signed by another service (scheduling), or by a key pair that is not
    intake's though it names intake: refused on arrival, never stored."""
    request = screening.intake_request(new_cdcr_number())
    by_scheduling = IntakeSealer(screening.settings.effective_keys_dir())
    by_scheduling.keyring = KeyDirectory(by_scheduling.keyring.directory.path).keyring(
        "scheduling")
    KeyDirectory(tmp_path / "elsewhere").init()
    not_intakes = IntakeSealer(tmp_path / "elsewhere")
    await screening.grant()
    for sealer, why in ((by_scheduling, "sealer_not_allowed"), (not_intakes, "not_authentic")):
        logistics = sealer.seal({"offer_travel_accommodation": True}, LOGISTICS,
                                about=request.case_id)
        with pytest.raises(Unprocessable, match=f"logistics refused: {why}"):
            await screening.apply(request.model_copy(update={"logistics": logistics}))
    async with screening.runtime.uow() as uow:
        assert await uow.cases.get(request.case_id) is None


async def test_logistics_whose_key_has_not_come_show_once_it_has(screening):
    """The request is kept at once (only its signature is checked); the page opens the
    logistics once screening holds the case's key."""
    request = await case_with(screening, {"offer_travel_accommodation": True}, granted=False)
    case, page = await shown(screening, request.case_id)
    assert case["travel_accommodation"] is None and not case["details_erased"]
    assert "Not known: ask the victim where they live." in page
    await screening.grant(request.case_id)
    case, _ = await shown(screening, request.case_id)
    assert case["travel_accommodation"] is True


async def test_the_store_keeps_it_sealed_and_erasing_the_requester_forgets_it(screening):
    request = await case_with(screening, {"offer_travel_accommodation": True})
    async with screening.runtime.engine.connect() as conn:
        stored = json.dumps([[list(r) for r in (await conn.execute(text(f"SELECT * FROM {t}")))
                              .all()] for t in ("cases", "case_timeline")], default=str)
    assert "offer_travel" not in stored and "outside California" not in stored
    assert "ciphertext" in stored

    await screening.apply(e.PersonErased(person_id=request.requester_id, at=NOW,
                                         subjects=[request.case_id]),
                          subject=request.requester_id)
    case, page = await shown(screening, request.case_id)
    assert case["travel_accommodation"] is None and case["details_erased"] is True
    assert OUT_OF_STATE not in page and "Not known: details erased." in page
    async with screening.runtime.uow() as uow:
        assert await uow.cases.logistics(request.case_id) is None
