"""A requester who asks again about the same offender: the case's timeline says so, and how
(the public page, a partner's form, staff), without anything they wrote or who they are."""
import json
import uuid
from datetime import datetime, timezone

from sqlalchemy import text

from vod_shared import events as e
from vod_shared.person_keys import CASE_NOTES
from vod_shared.staff import Role

from ..conftest import new_cdcr_number, request_for

NOW = datetime.now(timezone.utc)
WRITTEN = {"offender_given_name": "Juan", "offender_family_name": "Pérez",
           "notes": "Ana López, call me at +16195550100 after five"}


def repeated(screening, request: e.RequestReceived, source: str) -> e.RequestRepeated:
    details = screening.seal(WRITTEN, CASE_NOTES, about=request.case_id)
    return e.RequestRepeated(case_id=request.case_id, requester_id=request.requester_id,
                             source=source, details=details, at=NOW)


async def test_each_repeat_is_a_line_saying_how_the_requester_asked_again(screening):
    request = request_for(new_cdcr_number())
    await screening.apply(request)
    event_id = str(uuid.uuid4())
    await screening.apply(repeated(screening, request, "web_form"), event_id=event_id)
    await screening.apply(repeated(screening, request, "web_form"), event_id=event_id)  # again
    await screening.apply(repeated(screening, request, "webhook"))
    await screening.apply(repeated(screening, request, "phone"))

    async with screening.runtime.uow() as uow:
        lines = [line for line in await uow.timeline.of_case(request.case_id)
                 if line.event_type == "vod.RequestRepeated.v1"]
    assert [line.summary for line in lines] == [
        "The requester asked again (through the public page)",
        "The requester asked again (through a partner's form)",
        "The requester asked again (through staff)"]
    async with screening.runtime.engine.connect() as conn:
        stored = json.dumps([list(row) for row in (await conn.execute(
            text("SELECT * FROM case_timeline"))).all()], default=str, ensure_ascii=False)
    assert not any(value in stored for value in ("Juan", "Pérez", "Ana", "López", "6195550100",
                                                 "five"))


async def test_staff_see_the_repeat_on_the_case(screening):
    request = request_for(new_cdcr_number())
    await screening.apply(request)
    await screening.apply(repeated(screening, request, "webhook"))
    coordinator = await screening.staff(Role.COORDINATOR)
    case = (await coordinator.get(f"/api/cases/{request.case_id}")).json()
    assert [t["type"] for t in case["timeline"]] == [
        "vod.RequestReceived.v1", "vod.EligibilityDetermined.v1", "vod.RequestRepeated.v1"]
    page = await coordinator.get(f"/staff/cases/{request.case_id}")
    assert "The requester asked again (through a partner&#39;s form)" in page.text
