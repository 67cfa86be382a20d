"""Whether the victim lives outside California (so is offered travel accommodation) comes sealed
for screening in ``RequestReceived.logistics``: the case page and the API open it for staff, the
store and the stored timeline keep it sealed, and erasing the requester forgets it."""
import json
from datetime import datetime, timezone

from sqlalchemy import text

from vod_shared import events as e
from vod_shared.sealing import KeyDirectory, seal
from vod_shared.staff import Role

from ..conftest import by_intake, new_cdcr_number, request_for

NOW = datetime.now(timezone.utc)
OUT_OF_STATE = "the victim lives outside California: travel accommodation offered"


async def case_with(screening, logistics: dict | None, *,
                    readers: tuple[str, ...] = ("screening", "scheduling")) -> e.RequestReceived:
    keys = KeyDirectory(screening.settings.effective_keys_dir())
    request = request_for(new_cdcr_number())
    request = request.model_copy(update={
        "logistics": seal(logistics, keys.public_keys(readers),
                          **by_intake(keys, request.case_id)) if logistics is not None
        else None})
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
    request = request_for(new_cdcr_number()).model_copy(
        update={"offer_travel_accommodation": True})
    await screening.apply(request)
    case, page = await shown(screening, request.case_id)
    assert case["travel_accommodation"] is None
    assert "Not known: ask the victim where they live." in page
    assert "travel accommodation offered" not in page


async def test_logistics_not_sealed_for_screening_are_not_known(screening):
    request = await case_with(screening, {"offer_travel_accommodation": True},
                              readers=("scheduling",))
    case, _ = await shown(screening, request.case_id)
    assert case["travel_accommodation"] is None


async def test_logistics_of_another_case_are_not_known(screening):
    """A case's real logistics, replayed in a request for another case id, say nothing of it."""
    keys = KeyDirectory(screening.settings.effective_keys_dir())
    theirs = request_for(new_cdcr_number())
    request = request_for(new_cdcr_number())
    request = request.model_copy(update={"logistics": seal(
        {"offer_travel_accommodation": True}, keys.public_keys(("screening", "scheduling")),
        **by_intake(keys, theirs.case_id))})
    await screening.apply(request)
    case, page = await shown(screening, request.case_id)
    assert case["travel_accommodation"] is None
    assert "travel accommodation offered" not in page


async def test_the_store_keeps_it_sealed_and_erasing_the_requester_forgets_it(screening):
    request = await case_with(screening, {"offer_travel_accommodation": True})
    async with screening.runtime.engine.connect() as conn:
        stored = json.dumps([[list(r) for r in (await conn.execute(text(f"SELECT * FROM {t}")))
                              .all()] for t in ("cases", "case_timeline")], default=str)
    assert "offer_travel" not in stored and "outside California" not in stored
    assert "ciphertext" in stored

    await screening.apply(e.PersonErased(person_id=request.requester_id, at=NOW),
                          subject=request.requester_id)
    case, page = await shown(screening, request.case_id)
    assert case["travel_accommodation"] is None
    assert OUT_OF_STATE not in page
