"""A facilitator taken off a case (a conflict of interest, say) loses sight of it everywhere,
their calendar included: the meetings still to come go to the facilitators on the case now,
and the ones already held keep who held them."""
import uuid

from vod_shared.staff import Role

from scheduling_tests.conftest import approved, eligible, request
from scheduling_tests.unit.test_following_other_services import add_facilitator

PLACE = "Cafe Luna, 40 Oak Rd, Fresno (near her home)"


async def test_her_coming_meeting_leaves_the_calendar_of_a_facilitator_taken_off(scheduling):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    ana = await scheduling.staff(Role.FACILITATOR, username="ana")
    fay = await scheduling.staff(Role.FACILITATOR, username="fay")
    ana_id = await add_facilitator(coordinator, "Ana", username="ana", capacity=1)
    case_id = str(uuid.uuid4())
    await scheduling.feed(request(case_id), eligible(case_id), approved(case_id))
    assert (await coordinator.get(f"/api/cases/{case_id}")).json()["facilitator_ids"] == [ana_id]
    held = await coordinator.post(f"/api/cases/{case_id}/meetings/past", json={
        "party": "victim", "mode": "phone", "starts_at": "2026-03-01T10:00:00-08:00",
        "outcome": "Prepared."})
    coming = await coordinator.post(f"/api/cases/{case_id}/meetings", json={
        "party": "victim", "mode": "in_person", "starts_at": "2026-03-05T10:00:00-08:00",
        "place": PLACE})
    assert held.status_code == coming.status_code == 201, (held.text, coming.text)
    week = {"from": "2026-03-02", "days": 7}
    assert [e["place"] for e in (await ana.get("/api/calendar", params=week)).json()] == [PLACE]

    fay_id = await add_facilitator(coordinator, "Fay", username="fay", capacity=3)
    moved = await coordinator.post(f"/api/cases/{case_id}/facilitators",
                                   json={"facilitator_ids": [fay_id]})
    assert moved.status_code == 200, moved.text

    assert (await ana.get(f"/api/cases/{case_id}")).status_code == 404
    assert (await ana.get("/api/calendar", params=week)).json() == []
    assert "Fresno" not in (await ana.get("/staff/calendar", params={"from": "2026-03-02"})).text
    theirs = (await fay.get("/api/calendar", params=week)).json()
    assert [(e["case_id"], e["place"], e["facilitator_ids"]) for e in theirs] == [
        (case_id, PLACE, [fay_id])]
    assert "Fresno" in (await fay.get("/staff/calendar", params={"from": "2026-03-02"})).text
    meetings = {m["starts_at"][:10]: m["facilitator_ids"]
                for m in (await coordinator.get(f"/api/cases/{case_id}")).json()["meetings"]}
    assert meetings == {"2026-03-01": [ana_id], "2026-03-05": [fay_id]}  # the history stays


async def test_a_second_facilitator_added_keeps_the_first_on_her_meetings(scheduling):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    ana_id = await add_facilitator(coordinator, "Ana", username="ana", capacity=1)
    case_id = str(uuid.uuid4())
    await scheduling.feed(request(case_id), eligible(case_id), approved(case_id))
    coming = await coordinator.post(f"/api/cases/{case_id}/meetings", json={
        "party": "victim", "mode": "phone", "starts_at": "2026-03-05T10:00:00-08:00"})
    assert coming.status_code == 201, coming.text
    fay_id = await add_facilitator(coordinator, "Fay", capacity=3)

    both = await coordinator.post(f"/api/cases/{case_id}/facilitators",
                                  json={"facilitator_ids": [ana_id, fay_id]})

    assert both.status_code == 200, both.text
    [meeting] = (await coordinator.get(f"/api/cases/{case_id}")).json()["meetings"]
    assert meeting["facilitator_ids"] == [ana_id]  # still hers: nobody was taken off


async def test_a_meeting_taken_over_when_the_new_facilitator_is_busy_is_an_alert(scheduling):
    """A facilitator taken off for cause is taken off at once, whatever the new one's
    calendar: her meeting goes to Fay, who has another then, and staff are told to move it
    (booking Fay then directly is refused)."""
    coordinator = await scheduling.staff(Role.COORDINATOR)
    await add_facilitator(coordinator, "Ana", username="ana", capacity=1)
    hers = str(uuid.uuid4())
    await scheduling.feed(request(hers), eligible(hers), approved(hers))
    fay_id = await add_facilitator(coordinator, "Fay", username="fay", capacity=3)
    other = str(uuid.uuid4())
    await scheduling.feed(request(other), eligible(other), approved(other))
    at = "2026-03-05T10:00:00-08:00"
    for case_id in (hers, other):
        made = await coordinator.post(f"/api/cases/{case_id}/meetings", json={
            "party": "victim", "mode": "phone", "starts_at": at})
        assert made.status_code == 201, made.text
    assert (await coordinator.get("/api/alerts")).json() == []

    moved = await coordinator.post(f"/api/cases/{hers}/facilitators",
                                   json={"facilitator_ids": [fay_id]})

    assert moved.status_code == 200, moved.text
    [meeting] = (await coordinator.get(f"/api/cases/{hers}")).json()["meetings"]
    assert meeting["facilitator_ids"] == [fay_id]
    alerts = (await coordinator.get("/api/alerts")).json()
    assert [(a["case_id"], a["kind"]) for a in alerts] == [(hers, "facilitator_not_free")]
    assert "2026-03-05 18:00 UTC" in alerts[0]["detail"] and "Move it" in alerts[0]["detail"]


async def test_two_of_her_cases_meetings_handed_to_one_facilitator_at_one_time_is_an_alert(
        scheduling):
    """The case's own meetings count too: Ana with the victim and Bob with the offender at the
    same hour, both handed to Fay, cannot both be hers."""
    coordinator = await scheduling.staff(Role.COORDINATOR)
    ana_id = await add_facilitator(coordinator, "Ana", capacity=1)
    bob_id = await add_facilitator(coordinator, "Bob", capacity=1)
    case_id = str(uuid.uuid4())
    await scheduling.feed(request(case_id), eligible(case_id), approved(case_id))
    both = await coordinator.post(f"/api/cases/{case_id}/facilitators",
                                  json={"facilitator_ids": [ana_id, bob_id]})
    assert both.status_code == 200, both.text
    at = "2026-03-05T10:00:00-08:00"
    for party, who in (("victim", ana_id), ("offender", bob_id)):
        made = await coordinator.post(f"/api/cases/{case_id}/meetings", json={
            "party": party, "mode": "phone", "starts_at": at, "facilitator_ids": [who]})
        assert made.status_code == 201, made.text
    fay_id = await add_facilitator(coordinator, "Fay", capacity=3)

    moved = await coordinator.post(f"/api/cases/{case_id}/facilitators",
                                   json={"facilitator_ids": [fay_id]})

    assert moved.status_code == 200, moved.text
    alerts = (await coordinator.get("/api/alerts")).json()
    assert [(a["case_id"], a["kind"]) for a in alerts] == [(case_id, "facilitator_not_free")]
