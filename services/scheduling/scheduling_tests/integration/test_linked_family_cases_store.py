"""Linked family cases through the staff API, on SQLite and on PostgreSQL: two family members'
cases about one offender are linked (another offender's case, a closed case, a case linked
elsewhere are refused with every reason), the joint dialogue waits while one of them is not
ready, then is scheduled, moved and cancelled for both at once, each with its own events; a
participant unlinked leaves a group of one, which is no group. Every link and unlink, refused
tries too, is in the audit log."""
import asyncio
import uuid

import pytest

from vod_shared.migrations import upgrade_to_head
from vod_shared.staff import Role

from scheduling.adapters.audit import AuditLog
from scheduling.bootstrap import MIGRATIONS, bootstrap
from scheduling_tests.conftest import SchedulingApp, approved, eligible, request, sqlite_settings
from scheduling_tests.unit.test_following_other_services import add_facilitator

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"


@pytest.fixture
async def scheduling(database_url_factory, tmp_path, clock):
    settings = sqlite_settings(tmp_path).model_copy(
        update={"database_url": database_url_factory("scheduling")})
    runtime, app = bootstrap(settings, clock=clock)
    await upgrade_to_head(runtime.engine, MIGRATIONS)
    harness = SchedulingApp(app, runtime, settings, clock, tmp_path / "staff.toml")
    yield harness
    await harness.close()


@pytest.fixture
async def on_postgresql(postgres_server, tmp_path, clock):
    """The same app on PostgreSQL alone: row locks taken by two transactions at once."""
    settings = sqlite_settings(tmp_path).model_copy(
        update={"database_url": postgres_server.create_database(
            f"scheduling_{uuid.uuid4().hex[:8]}")})
    runtime, app = bootstrap(settings, clock=clock)
    await upgrade_to_head(runtime.engine, MIGRATIONS)
    harness = SchedulingApp(app, runtime, settings, clock, tmp_path / "staff.toml")
    yield harness
    await harness.close()


async def family_case(scheduling, cdcr: str, language: str = "en") -> tuple[str, str]:
    case_id, reference = str(uuid.uuid4()), f"VOD-2026-{uuid.uuid4().int % 10**6:06d}"
    asked = request(case_id, cdcr_number=cdcr, language=language).model_copy(
        update={"reference": reference})
    await scheduling.feed(asked, eligible(case_id, cdcr_number=cdcr), approved(case_id))
    return case_id, reference


async def prepared(client, case_id: str, *parties: str) -> None:
    for party in parties:
        held = await client.post(f"/api/cases/{case_id}/meetings/past", json={
            "party": party, "mode": "phone", "starts_at": "2026-03-02T06:00:00-08:00",
            "outcome": "Prepared."})
        assert held.status_code == 201, held.text
        ready = await client.post(f"/api/cases/{case_id}/parties/{party}/ready", json={})
        assert ready.status_code == 200, ready.text


async def test_two_family_cases_share_one_dialogue_on_either_database(scheduling):
    staff = await scheduling.staff(Role.COORDINATOR)
    await add_facilitator(staff, "Eli")
    await add_facilitator(staff, "Sofía", languages=("en", "es"))
    cdcr = f"F{uuid.uuid4().int % 10**5:05d}"
    (ana, ana_ref), (luis, luis_ref) = (await family_case(scheduling, cdcr),
                                        await family_case(scheduling, cdcr, "es"))
    stranger, stranger_ref = await family_case(scheduling, "ZZ9999")
    closed, closed_ref = await family_case(scheduling, cdcr)
    assert (await staff.post(f"/api/cases/{closed}/close", json={
        "by": "facilitator", "reason_code": "other"})).status_code == 200

    linked = await staff.post(f"/api/cases/{ana}/group", json={"case": luis_ref.lower()})
    assert linked.status_code == 200, linked.text
    group = linked.json()
    assert [m["reference"] for m in group["members"]] == [ana_ref, luis_ref]
    assert group["other_participants"] == 1 and not group["ready"]

    for other, said in ((stranger_ref, "about another offender"),
                        (closed_ref, "has ended (closed)"), (luis_ref, "already linked")):
        refused = await staff.post(f"/api/cases/{ana}/group", json={"case": other})
        assert refused.status_code == 409 and refused.headers["content-type"] == PROBLEM
        assert said in " ".join(e["detail"] for e in refused.json()["errors"])
    elsewhere = await staff.post(f"/api/cases/{stranger}/group", json={"case": ana_ref})
    assert elsewhere.status_code == 409
    missing = await staff.post(f"/api/cases/{ana}/group", json={"case": "VOD-0000-000000"})
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM

    # Ana is ready; Luis only on the offender's side: the dialogue waits for him alone.
    await prepared(staff, ana, "victim", "offender")
    await prepared(staff, luis, "offender")
    waits = await staff.get(f"/api/cases/{luis}/group")
    assert {m["reference"]: m["holding_up"] for m in waits.json()["members"]} == {
        ana_ref: [], luis_ref: ["the victim is not yet ready"]}
    when = {"starts_at": "2026-03-10T10:00:00-07:00", "venue": "video"}
    early = await staff.post(f"/api/cases/{ana}/session", json=when)
    assert early.status_code == 409
    assert [e["detail"] for e in early.json()["errors"]] == [
        f"{luis_ref}: the victim is not yet ready"]
    assert await scheduling.events("SessionScheduled") == []

    await prepared(staff, luis, "victim")
    assert (await staff.post(f"/api/cases/{ana}/session", json=when)).status_code == 201
    invited = await scheduling.events("SessionScheduled")
    assert sorted(e.case_id for e in invited) == sorted([ana, luis])
    assert len({e.session_id for e in invited}) == 2 and len({e.starts_at for e in invited}) == 1

    # Moved or cancelled from either case's page: for both.
    moved = await staff.post(f"/api/cases/{luis}/session/reschedule",
                             json={"starts_at": "2026-03-12T10:00:00-07:00"})
    assert moved.status_code == 200, moved.text
    again = (await scheduling.events("SessionScheduled"))[2:]
    assert sorted(e.case_id for e in again) == sorted([ana, luis])
    assert {(e.sequence, e.starts_at.day) for e in again} == {(1, 12)}
    assert (await staff.post(f"/api/cases/{ana}/session/cancel", json={})).status_code == 200
    assert sorted(e.case_id for e in await scheduling.events("SessionCancelled")) == sorted(
        [ana, luis])

    # Luis leaves: Ana's case is alone again, and no longer in a group.
    unlinked = await staff.post(f"/api/cases/{luis}/group/unlink", json={})
    assert unlinked.status_code == 200 and unlinked.json()["group_id"] is None
    assert (await staff.get(f"/api/cases/{ana}/group")).json()["members"] == []
    [joined] = await scheduling.events("CasesLinked")
    assert joined.case_ids == [ana, luis]
    assert [(e.case_id, e.case_ids) for e in await scheduling.events("CaseUnlinked")] == [
        (luis, []), (ana, [])]
    assert (await staff.post(f"/api/cases/{luis}/group/unlink", json={})).status_code == 409

    async with scheduling.runtime.uow() as uow:
        _, entries = await AuditLog(uow.session).entries(case_id=ana)
    audited = [(e.action, e.outcome) for e in entries if e.action.startswith("group.")]
    assert audited.count(("group.link", "done")) == 1
    assert ("group.link", "refused_not_now") in audited
    assert ("group.link", "refused_not_found") in audited
    assert any(e.detail == luis for e in entries if e.action == "group.link")


async def test_two_staff_linking_two_cases_from_either_end_at_once_link_them_once(
        on_postgresql):
    # Each case's row locked first, then the other's, would wait in a circle (a deadlock):
    # both cases, and their groups, are locked first in one order.
    ana_staff = await on_postgresql.staff(Role.COORDINATOR)
    luis_staff = await on_postgresql.staff(Role.COORDINATOR)
    for _ in range(3):
        cdcr = f"F{uuid.uuid4().int % 10**5:05d}"
        (ana, ana_ref), (luis, luis_ref) = (await family_case(on_postgresql, cdcr),
                                            await family_case(on_postgresql, cdcr))
        both = await asyncio.wait_for(asyncio.gather(
            ana_staff.post(f"/api/cases/{ana}/group", json={"case": luis_ref}),
            luis_staff.post(f"/api/cases/{luis}/group", json={"case": ana_ref})), 30)
        assert sorted(r.status_code for r in both) == [200, 409], [r.text for r in both]
        assert "already linked" in next(r.text for r in both if r.status_code == 409)
    linked = await on_postgresql.events("CasesLinked")
    assert len(linked) == 3 and all(len(e.case_ids) == 2 for e in linked)
