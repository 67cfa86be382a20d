"""Intake erased a person (PersonErased on vod.people): every case they requested forgets what
intake's sealed values told scheduling (travel offered: they live out of state) and says
"details erased"; stages, dates and meetings stay. Twice, or for a stranger, changes nothing."""
import uuid

from vod_shared.events import PersonErased
from vod_shared.staff import Role

from scheduling_tests.builders import pacific
from scheduling_tests.conftest import approved, eligible, request
from scheduling_tests.unit.test_following_other_services import add_facilitator


def erased(person_id: str) -> PersonErased:
    return PersonErased(person_id=person_id, at=pacific(2026, 3, 3, 9))


async def test_an_erased_requester_leaves_the_history_but_not_what_was_sealed(scheduling):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    await add_facilitator(coordinator, "Eli")
    her, stranger = f"person-{uuid.uuid4()}", f"person-{uuid.uuid4()}"
    first, second, other = (str(uuid.uuid4()) for _ in range(3))
    for case_id, requester in ((first, her), (second, her), (other, stranger)):
        await scheduling.feed(request(case_id, travel=True, requester_id=requester),
                              eligible(case_id), approved(case_id))
    meeting = await coordinator.post(f"/api/cases/{first}/meetings", json={
        "party": "victim", "mode": "phone", "starts_at": "2026-03-05T10:00:00-08:00"})
    assert meeting.status_code in (200, 201), meeting.text
    before = (await coordinator.get(f"/api/cases/{first}")).json()
    assert before["travel_offered"] is True and before["details_erased"] is False
    assert "Travel is offered (out of state)" in (
        await coordinator.get(f"/staff/cases/{first}")).text

    published = len(await scheduling.events())
    await scheduling.feed(erased(her), subject=her)
    await scheduling.feed(erased(her), subject=her)  # a second erasure (a new event id)
    await scheduling.feed(erased(f"person-{uuid.uuid4()}"), subject="nobody")  # unknown: no-op
    assert scheduling.dead == []
    assert len(await scheduling.events()) == published  # nothing to announce

    for case_id in (first, second):
        after = (await coordinator.get(f"/api/cases/{case_id}")).json()
        assert after["travel_offered"] is None and after["details_erased"] is True
        assert after["stage"] == before["stage"] and after["facilitator_ids"]
        page = (await coordinator.get(f"/staff/cases/{case_id}")).text
        assert "Travel: details erased." in page and "out of state" not in page
    kept = (await coordinator.get(f"/api/cases/{first}")).json()
    assert kept["meetings"] == before["meetings"] and kept["assignments"] == before["assignments"]
    untouched = (await coordinator.get(f"/api/cases/{other}")).json()
    assert untouched["travel_offered"] is True and untouched["details_erased"] is False

    # Her request replayed (a store rebuilt from the topics) does not bring the value back.
    await scheduling.feed(request(first, travel=True, requester_id=her))
    assert (await coordinator.get(f"/api/cases/{first}")).json()["travel_offered"] is None
