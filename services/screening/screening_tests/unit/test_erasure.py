"""Erasing a requester (PersonErased, with the cases they asked for among its ``subjects``): in
one transaction screening forgets their sealed name, the sealed logistics of those cases and its
copies of the keys of the person and of each case; the staff page then says the details were
erased and the travel need is not known. A grant seen afterwards is not kept, and the case's
history stays."""
import uuid
from datetime import datetime, timezone

from sqlalchemy import select

from vod_shared import events as e
from vod_shared.keybook import erased_subjects, held_keys
from vod_shared.person_keys import LOGISTICS
from vod_shared.staff import Role

from ..conftest import new_cdcr_number

NOW = datetime.now(timezone.utc)
TRAVEL = {"offer_travel_accommodation": True}


async def requested(screening, logistics: dict | None = TRAVEL) -> e.RequestReceived:
    request = screening.intake_request(new_cdcr_number(), logistics)
    await screening.apply(screening.person(request.requester_id), subject=request.requester_id)
    await screening.grant(request.requester_id, request.case_id)
    await screening.apply(request)
    return request


async def shown(screening, case_id: str) -> tuple[dict, str]:
    screener = await screening.staff(Role.SCREENER)
    answer = await screener.get(f"/api/cases/{case_id}")
    page = await screener.get(f"/staff/cases/{case_id}")
    assert answer.status_code == page.status_code == 200
    return answer.json(), page.text


async def held(screening, *subjects: str) -> list[str]:
    async with screening.runtime.engine.connect() as conn:
        return sorted((await conn.execute(select(held_keys.c.subject_id).where(
            held_keys.c.subject_id.in_(subjects)))).scalars())


def erased(request: e.RequestReceived) -> e.PersonErased:
    return e.PersonErased(person_id=request.requester_id, subjects=[request.case_id], at=NOW)


async def test_after_an_erasure_the_page_says_details_erased_and_no_key_is_held(screening):
    request = await requested(screening)
    other = await requested(screening)  # someone else's case: untouched
    case, page = await shown(screening, request.case_id)
    assert case["requester_name"] == "Ana López" and case["travel_accommodation"] is True
    assert not case["details_erased"] and "details erased" not in page
    assert await held(screening, request.requester_id, request.case_id) == sorted(
        [request.requester_id, request.case_id])

    await screening.apply(erased(request), subject=request.requester_id)

    case, page = await shown(screening, request.case_id)
    assert case["requester_name"] is None and case["travel_accommodation"] is None
    assert case["details_erased"] is True
    assert "<dt>Requester</dt><dd>(details erased)</dd>" in page
    assert "Not known: details erased." in page
    assert "Ana López" not in page and "outside California" not in page
    assert await held(screening, request.requester_id, request.case_id) == []
    async with screening.runtime.uow() as uow:
        assert await uow.people.sealed(request.requester_id) is None
        assert await uow.cases.logistics(request.case_id) is None  # no ciphertext kept either
        assert [line.event_type for line in await uow.timeline.of_case(request.case_id)][:1] == [
            "vod.RequestReceived.v1"]  # the history stays
    async with screening.runtime.engine.connect() as conn:
        assert set((await conn.execute(select(erased_subjects.c.subject_id))).scalars()) == {
            request.requester_id, request.case_id}
    theirs, _ = await shown(screening, other.case_id)
    assert theirs["requester_name"] == "Ana López" and theirs["travel_accommodation"] is True


async def test_a_grant_or_a_name_arriving_after_the_erasure_is_not_kept(screening):
    request = await requested(screening)
    await screening.apply(erased(request), subject=request.requester_id)
    await screening.apply(erased(request), subject=request.requester_id)  # again: no change
    await screening.grant(request.requester_id, request.case_id)  # a grant read late
    await screening.apply(screening.person(request.requester_id, updated=True),
                          subject=request.requester_id)
    assert await held(screening, request.requester_id, request.case_id) == []
    case, page = await shown(screening, request.case_id)
    assert case["requester_name"] is None and case["details_erased"] is True
    assert "(details erased)" in page


async def test_a_request_read_after_its_requesters_erasure_keeps_no_logistics(screening):
    """The topics are read independently: PersonErased can come before the request."""
    request = screening.intake_request(new_cdcr_number(), TRAVEL)
    await screening.grant(request.case_id)
    await screening.apply(erased(request), subject=request.requester_id)
    await screening.apply(request)
    async with screening.runtime.uow() as uow:
        assert await uow.cases.get(request.case_id) is not None
        assert await uow.cases.logistics(request.case_id) is None
    case, page = await shown(screening, request.case_id)
    assert case["details_erased"] is True and case["travel_accommodation"] is None
    assert "Not known: details erased." in page


async def test_erasing_someone_screening_never_heard_of_is_remembered(screening):
    person, case_id = str(uuid.uuid4()), str(uuid.uuid4())
    await screening.apply(e.PersonErased(person_id=person, subjects=[case_id], at=NOW),
                          subject=person)
    screening.seal(TRAVEL, LOGISTICS, about=case_id)
    await screening.grant(case_id)
    assert await held(screening, case_id) == []
