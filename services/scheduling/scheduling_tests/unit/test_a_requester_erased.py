"""Intake erased a person (PersonErased on vod.people, with the cases they requested among its
``subjects``): every such case forgets what intake's sealed values told scheduling (travel
offered: they live out of state) and staff's sealed notes on it, and says "details erased";
scheduling's copies of the keys of the person and of those cases go in the same transaction.
Stages, dates and meetings stay; what staff wrote of the meetings' places and outcomes goes. Twice, or for a stranger, changes nothing."""
import uuid

from sqlalchemy import select

from vod_shared.events import PersonErased
from vod_shared.keybook import erased_subjects, held_keys
from vod_shared.migrations import alembic_config, upgrade_to_head
from vod_shared.staff import Role

from scheduling.adapters.orm import meetings
from scheduling.bootstrap import MIGRATIONS

from scheduling_tests.builders import pacific
from scheduling_tests.conftest import approved, eligible, request
from scheduling_tests.unit.test_following_other_services import add_facilitator


def erased(person_id: str, *subjects: str) -> PersonErased:
    return PersonErased(person_id=person_id, subjects=list(subjects), at=pacific(2026, 3, 3, 9))


async def held(scheduling, *subjects: str) -> list[str]:
    async with scheduling.runtime.engine.connect() as conn:
        return sorted((await conn.execute(select(held_keys.c.subject_id).where(
            held_keys.c.subject_id.in_(subjects)))).scalars())


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
    held_back = await coordinator.post(f"/api/cases/{second}/hold", json={
        "by": "director", "reason_code": "victim_unavailable",
        "reason": "her sister's wedding in Tucson"})
    assert held_back.status_code == 200, held_back.text
    before = (await coordinator.get(f"/api/cases/{first}")).json()
    assert before["travel_offered"] is True and before["details_erased"] is False
    assert "Travel is offered (out of state)" in (
        await coordinator.get(f"/staff/cases/{first}")).text
    assert "Tucson" in (await coordinator.get(f"/staff/cases/{second}")).text
    assert await held(scheduling, first, second, other) == sorted([first, second, other])

    published = len(await scheduling.events())
    await scheduling.feed(erased(her, first, second), subject=her)
    await scheduling.feed(erased(her, first, second), subject=her)  # again (a new event id)
    await scheduling.feed(erased(f"person-{uuid.uuid4()}"), subject="nobody")  # unknown: no-op
    assert scheduling.dead == []
    assert len(await scheduling.events()) == published  # nothing to announce

    for case_id in (first, second):
        after = (await coordinator.get(f"/api/cases/{case_id}")).json()
        assert after["travel_offered"] is None and after["details_erased"] is True
        assert after["stage"] == before["stage"] and after["facilitator_ids"]
        page = (await coordinator.get(f"/staff/cases/{case_id}")).text
        assert "Travel: details erased." in page and "out of state" not in page
    assert await held(scheduling, her, first, second) == []
    async with scheduling.runtime.engine.connect() as conn:
        assert {her, first, second} <= set((await conn.execute(
            select(erased_subjects.c.subject_id))).scalars())
    notes = (await coordinator.get(f"/api/cases/{second}")).json()["notes"]
    assert [(n["action"], n["reason_code"], n["note"]) for n in notes] == [
        ("hold", "victim_unavailable", None)]  # who held it and why stay; her words do not
    page = (await coordinator.get(f"/staff/cases/{second}")).text
    assert "Tucson" not in page and '<span class="muted">details erased</span>' in page
    kept = (await coordinator.get(f"/api/cases/{first}")).json()
    assert kept["meetings"] == before["meetings"] and kept["assignments"] == before["assignments"]
    untouched = (await coordinator.get(f"/api/cases/{other}")).json()
    assert untouched["travel_offered"] is True and untouched["details_erased"] is False
    assert await held(scheduling, other) == [other]

    # Her request replayed (a store rebuilt from the topics), its grant read again before
    # compaction removed it: neither is kept, and the value does not come back.
    await scheduling.feed(request(first, travel=True, requester_id=her))
    assert scheduling.dead == [] and await held(scheduling, first) == []
    assert (await coordinator.get(f"/api/cases/{first}")).json()["travel_offered"] is None


async def test_a_request_read_after_its_requesters_erasure_says_details_erased(scheduling):
    """The topics are read apart: the erasure can come before the request. Its logistics no
    longer open (the key is gone), so travel is not known; the case is opened all the same."""
    her, case_id = f"person-{uuid.uuid4()}", str(uuid.uuid4())
    opened = request(case_id, travel=True, requester_id=her)
    await scheduling.feed(erased(her, case_id), subject=her)
    await scheduling.feed(opened)  # its grant (read late) is not kept either
    assert scheduling.dead == []
    coordinator = await scheduling.staff(Role.COORDINATOR)
    case = (await coordinator.get(f"/api/cases/{case_id}")).json()
    assert case["travel_offered"] is None and case["details_erased"] is True
    assert case["victim_id"] == her


FLAT, MOVED = "her flat, 12 Elm St Apt 4, Tucson AZ", "she moved to Tucson after he wrote to her"


async def test_what_staff_wrote_of_her_meetings_goes_with_her(scheduling):
    """Her meeting's place may be her home and its outcome where she went: free text, shown to
    every screener and on the week's calendar. Both read "(erased)" once she is erased; the
    meeting itself (when, with whom, by what means) stays, and the offender's meetings (a room
    in the prison) keep theirs."""
    coordinator = await scheduling.staff(Role.COORDINATOR)
    await add_facilitator(coordinator, "Eli")
    her, case_id = f"person-{uuid.uuid4()}", str(uuid.uuid4())
    await scheduling.feed(request(case_id, requester_id=her), eligible(case_id), approved(case_id))
    for path, extra in (("meetings/past", {"starts_at": "2026-01-05T10:00:00-08:00",
                                           "outcome": MOVED}),
                        ("meetings", {"starts_at": "2026-03-05T10:00:00-08:00"})):
        made = await coordinator.post(f"/api/cases/{case_id}/{path}", json={
            "party": "victim", "mode": "in_person", "place": FLAT, **extra})
        assert made.status_code == 201, made.text
    his = await coordinator.post(f"/api/cases/{case_id}/meetings", json={
        "party": "offender", "mode": "in_person", "place": "Room 3, Block B",
        "starts_at": "2026-03-06T10:00:00-08:00"})
    assert his.status_code == 201, his.text

    await scheduling.feed(erased(her, case_id), subject=her)

    assert scheduling.dead == []
    meetings = (await coordinator.get(f"/api/cases/{case_id}")).json()["meetings"]
    assert [(m["party"], m["status"], m["place"], m["outcome"]) for m in meetings] == [
        ("victim", "held", "(erased)", "(erased)"),
        ("victim", "scheduled", "(erased)", None),
        ("offender", "scheduled", "Room 3, Block B", None)]
    screener = await scheduling.staff(Role.SCREENER)
    for reader, page in ((screener, f"/staff/cases/{case_id}"),
                         (coordinator, "/staff/calendar?from=2026-03-02")):
        assert "Elm St" not in (text := (await reader.get(page)).text) and "Tucson" not in text
    week = (await coordinator.get("/api/calendar", params={"from": "2026-03-02"})).json()
    assert [e["place"] for e in week] == ["(erased)", "Room 3, Block B"]


async def test_a_store_erased_before_this_rule_forgets_the_free_text_when_migrated(scheduling):
    """Her erasure came before erasure reached meetings: migrating the store (0013) does now
    what her erasure would."""
    coordinator = await scheduling.staff(Role.COORDINATOR)
    await add_facilitator(coordinator, "Eli")
    her, case_id = f"person-{uuid.uuid4()}", str(uuid.uuid4())
    kept_id = str(uuid.uuid4())
    for case, requester in ((case_id, her), (kept_id, f"person-{uuid.uuid4()}")):
        await scheduling.feed(request(case, requester_id=requester), eligible(case),
                              approved(case))
        made = await coordinator.post(f"/api/cases/{case}/meetings/past", json={
            "party": "victim", "mode": "in_person", "place": FLAT, "outcome": MOVED,
            "starts_at": "2026-01-05T10:00:00-08:00"})
        assert made.status_code == 201, made.text
    await scheduling.feed(erased(her, case_id), subject=her)
    async with scheduling.runtime.engine.begin() as conn:  # as an older release left it
        await conn.execute(meetings.update().where(meetings.c.case_id == case_id).values(
            place=FLAT, outcome=MOVED))

    await _migrate(scheduling, "0012_linked_cases")
    await upgrade_to_head(scheduling.runtime.engine, MIGRATIONS)

    for case, expected in ((case_id, ("(erased)", "(erased)")), (kept_id, (FLAT, MOVED))):
        [meeting] = (await coordinator.get(f"/api/cases/{case}")).json()["meetings"]
        assert (meeting["place"], meeting["outcome"]) == expected


async def _migrate(scheduling, revision: str) -> None:
    from alembic import command

    engine = scheduling.runtime.engine
    config = alembic_config(MIGRATIONS, engine.url.render_as_string(hide_password=False))

    def downgrade(sync_connection) -> None:
        config.attributes["connection"] = sync_connection
        command.downgrade(config, revision)

    async with engine.begin() as conn:
        await conn.run_sync(downgrade)
