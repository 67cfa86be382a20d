"""A joint dialogue seen from one of its cases: a facilitator assigned to that case alone
cannot read why another participant's case waits, nor schedule, move, cancel or record the
dialogue, nor unlink anyone (a coordinator must); what a coordinator does from one case is in
every changed case's audit log. A hold on one participant puts the dialogue off for all; an
unlink cancels only the leaver's session; a reassigned case's dialogue can still be moved;
"held" is recorded for everyone at once."""
import uuid

from vod_shared.events import ActedBy, CasePaused, CaseResumed
from vod_shared.staff import Role

from scheduling.adapters.audit import AuditLog
from scheduling.service_layer.joint import LEFT_THE_GROUP, POSTPONED
from scheduling_tests.integration.test_linked_family_cases_store import family_case, prepared
from scheduling_tests.unit.test_following_other_services import add_facilitator
from scheduling_tests.unit.test_staff_pages import token

WHEN = {"starts_at": "2026-03-10T10:00:00-07:00", "venue": "video"}
LATER = {"starts_at": "2026-03-12T10:00:00-07:00"}


async def two_linked(scheduling, *, ready: bool = True):
    """Ana's case (facilitator Eli alone) and Luis's (Sofía), linked by a coordinator."""
    coordinator = await scheduling.staff(Role.COORDINATOR)
    eli = await scheduling.staff(Role.FACILITATOR, username=f"eli{uuid.uuid4().hex[:6]}")
    eli_id = await add_facilitator(coordinator, "Eli", username=eli.username)
    sofia_id = await add_facilitator(coordinator, "Sofía", languages=("en", "es"))
    cdcr = f"F{uuid.uuid4().int % 10**5:05d}"
    (ana, ana_ref), (luis, luis_ref) = (await family_case(scheduling, cdcr),
                                        await family_case(scheduling, cdcr))
    for case_id, person in ((ana, eli_id), (luis, sofia_id)):
        assigned = await coordinator.post(f"/api/cases/{case_id}/facilitators",
                                          json={"facilitator_ids": [person]})
        assert assigned.status_code == 200, assigned.text
    assert (await coordinator.post(f"/api/cases/{ana}/group",
                                   json={"case": luis_ref})).status_code == 200
    await prepared(coordinator, ana, "victim", "offender")
    await prepared(coordinator, luis, *(("victim", "offender") if ready else ("offender",)))
    return coordinator, eli, (ana, ana_ref), (luis, luis_ref), (eli_id, sofia_id)


async def audited(scheduling, case_id: str) -> list[tuple[str, str, str | None]]:
    async with scheduling.runtime.uow() as uow:
        _, entries = await AuditLog(uow.session).entries(case_id=case_id)
    return [(e.action, e.outcome, e.detail) for e in entries]


async def test_a_facilitator_of_one_case_neither_reads_nor_acts_on_the_other(scheduling):
    coordinator, eli, (ana, ana_ref), (luis, luis_ref), _ = await two_linked(
        scheduling, ready=False)

    group = (await eli.get(f"/api/cases/{ana}/group")).json()
    theirs = next(m for m in group["members"] if m["reference"] == luis_ref)
    assert theirs["stage"] is None and theirs["case_id"] is None
    assert theirs["holding_up"] == ["not ready"]  # not "the victim is not yet ready"
    assert "victim" not in str(theirs)
    assert "victim is not yet ready" in str(
        (await coordinator.get(f"/api/cases/{ana}/group")).json())

    page = await eli.get(f"/staff/cases/{ana}/group")
    assert page.status_code == 200 and luis_ref in page.text
    assert f'aria-label="Unlink {ana_ref}"' in page.text
    assert f'aria-label="Unlink {luis_ref}"' not in page.text
    assert "victim is not yet ready" not in page.text

    await prepared(coordinator, luis, "victim")
    refused = await eli.post(f"/api/cases/{ana}/session", json=WHEN)
    assert refused.status_code == 409 and "a coordinator must" in refused.json()["detail"]
    assert await scheduling.events("SessionScheduled") == []
    assert (await eli.post(f"/api/cases/{ana}/group/unlink", json={})).status_code == 409
    assert (await eli.post(f"/staff/cases/{ana}/group/unlink", data={
        "member": ana, "csrf_token": token(page.text)})).status_code == 409
    assert (await coordinator.get(f"/api/cases/{ana}/group")).json()["group_id"]

    assert (await coordinator.post(f"/api/cases/{ana}/session", json=WHEN)).status_code == 201
    luis_log = await audited(scheduling, luis)
    assert ("session.schedule", "done", ana) in luis_log
    assert ("group.link", "done", ana) in luis_log
    for path, body in (("session/reschedule", LATER), ("session/cancel", {}),
                       ("session/held", {})):
        tried = await eli.post(f"/api/cases/{ana}/{path}", json=body)
        assert tried.status_code == 409, (path, tried.text)
    assert len(await scheduling.events("SessionScheduled")) == 2
    assert await scheduling.events("SessionCancelled", "SessionCompleted") == []

    assert (await coordinator.post(f"/api/cases/{ana}/session/cancel",
                                   json={})).status_code == 200
    assert ("session.cancel", "done", ana) in await audited(scheduling, luis)


async def test_the_unlink_form_takes_only_a_member_of_this_cases_dialogue(scheduling):
    coordinator, _, (ana, _), (luis, luis_ref), _ = await two_linked(scheduling)
    cdcr = f"G{uuid.uuid4().int % 10**5:05d}"
    (carmen, _), (diego, diego_ref) = (await family_case(scheduling, cdcr),
                                       await family_case(scheduling, cdcr))
    assert (await coordinator.post(f"/api/cases/{carmen}/group",
                                   json={"case": diego_ref})).status_code == 200
    page = await coordinator.get(f"/staff/cases/{ana}/group")
    refused = await coordinator.post(f"/staff/cases/{ana}/group/unlink", data={
        "member": diego, "csrf_token": token(page.text)})
    assert refused.status_code == 409 and "not linked to this joint dialogue" in refused.text
    assert len((await coordinator.get(f"/api/cases/{diego}/group")).json()["members"]) == 2

    done = await coordinator.post(f"/staff/cases/{ana}/group/unlink", data={
        "member": luis, "csrf_token": token(page.text)})
    assert done.status_code == 303
    assert (await coordinator.get(f"/api/cases/{luis}/group")).json()["group_id"] is None


async def test_a_hold_on_one_participant_puts_the_joint_dialogue_off_for_all(scheduling):
    coordinator, _, (ana, _), (luis, _), _ = await two_linked(scheduling)
    assert (await coordinator.post(f"/api/cases/{ana}/session", json=WHEN)).status_code == 201

    await scheduling.feed(CasePaused(case_id=ana, by=ActedBy.VICTIM, at=scheduling.clock()))
    cancelled = {e.case_id: e.reason for e in await scheduling.events("SessionCancelled")}
    assert cancelled == {ana: "case_paused", luis: POSTPONED}
    # notifications: not her own hold, so the full words ("will not take place", her
    # facilitator will be in touch), never the quiet "nothing else changes", and never why
    assert not POSTPONED.startswith("case_") and "pause" not in POSTPONED
    alerts = {(a["case_id"], a["kind"]) for a in (await coordinator.get("/api/alerts")).json()}
    assert {(ana, "case_paused"), (luis, "joint_dialogue_off")} <= alerts
    assert "hold" not in next(a["detail"] for a in (await coordinator.get("/api/alerts")).json()
                              if a["kind"] == "joint_dialogue_off")
    assert (await coordinator.post(f"/api/cases/{luis}/session", json=WHEN)).status_code == 409

    await scheduling.feed(CaseResumed(case_id=ana, by=ActedBy.VICTIM, at=scheduling.clock()))
    again = await coordinator.post(f"/api/cases/{luis}/session", json=LATER | {"venue": "video"})
    assert again.status_code == 201, again.text
    new = (await scheduling.events("SessionScheduled"))[2:]
    assert sorted(e.case_id for e in new) == sorted([ana, luis])
    assert {e.starts_at.day for e in new} == {12}

    # A staff hold on Luis's case, likewise.
    held = await coordinator.post(f"/api/cases/{luis}/hold", json={
        "by": "facilitator", "reason_code": "health"})
    assert held.status_code == 200, held.text
    cancelled = [(e.case_id, e.reason) for e in await scheduling.events("SessionCancelled")][2:]
    assert sorted(cancelled) == sorted([(luis, "case_paused"), (ana, POSTPONED)])
    assert ("case.hold", "done", luis) in await audited(scheduling, ana)


async def test_an_unlink_cancels_only_the_leavers_session(scheduling):
    coordinator, _, (ana, _), (luis, _), _ = await two_linked(scheduling)
    assert (await coordinator.post(f"/api/cases/{ana}/session", json=WHEN)).status_code == 201
    assert (await coordinator.post(f"/api/cases/{luis}/group/unlink",
                                   json={})).status_code == 200
    assert [(e.case_id, e.reason) for e in await scheduling.events("SessionCancelled")] == [
        (luis, LEFT_THE_GROUP)]
    assert ("group.unlink", "done", luis) in await audited(scheduling, ana)
    ana_now = (await coordinator.get(f"/api/cases/{ana}")).json()
    assert ana_now["stage"] == "dialogue_scheduled" and ana_now["session_starts_at"]
    # Now her own dialogue: moved on the single-case path.
    assert (await coordinator.post(f"/api/cases/{ana}/session/reschedule",
                                   json=LATER)).status_code == 200


async def test_the_dialogue_moves_after_a_facilitator_is_reassigned(scheduling):
    coordinator, _, (ana, _), (luis, _), (_, sofia_id) = await two_linked(scheduling)
    assert (await coordinator.post(f"/api/cases/{ana}/session", json=WHEN)).status_code == 201
    eli_busy_elsewhere = await coordinator.post(f"/api/cases/{ana}/facilitators", json={
        "facilitator_ids": [sofia_id]})
    assert eli_busy_elsewhere.status_code == 200
    # Sofía's session in Luis's case is this same dialogue: no clash to move it for
    assert "facilitator_not_free" not in {
        a["kind"] for a in (await coordinator.get("/api/alerts")).json()}
    moved = await coordinator.post(f"/api/cases/{ana}/session/reschedule", json=LATER)
    assert moved.status_code == 200, moved.text
    assert {e.starts_at.day for e in (await scheduling.events("SessionScheduled"))[2:]} == {12}


async def test_the_dialogue_is_recorded_held_for_everyone_at_once(scheduling):
    coordinator, _, (ana, _), (luis, _), _ = await two_linked(scheduling)
    assert (await coordinator.post(f"/api/cases/{ana}/session", json=WHEN)).status_code == 201
    scheduling.clock.move_to(scheduling.clock().replace(month=3, day=10, hour=14))
    assert (await coordinator.post(f"/api/cases/{luis}/session/held",
                                   json={})).status_code == 200
    assert sorted(e.case_id for e in await scheduling.events("SessionCompleted")) == sorted(
        [ana, luis])
    assert (await coordinator.post(f"/api/cases/{ana}/session/cancel",
                                   json={})).status_code == 409
    assert await scheduling.events("SessionCancelled") == []
