"""A staff decision in intake and its audit entry are one transaction: the entry is written by
the decision's unit of work, so a failure between the two leaves neither (never a decision
without its entry), and a decision that fails leaves only a "failed" entry."""
import httpx
from sqlalchemy import func, select

from vod_devtools.staff_testing import add_staff, sign_in
from vod_shared.staff import Role

from intake.adapters import orm
from intake.adapters.staff_reads import StaffReads

from ..conftest import dialogue_request


async def _client(intake, tmp_path) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=intake.app,
                                                             raise_app_exceptions=False),
                               base_url="http://intake.test")
    await sign_in(client, add_staff(tmp_path / "staff.toml", "rosa", Role.INTAKE))
    return client


async def _stored(intake) -> tuple[int, list]:
    async with intake.runtime.engine.connect() as conn:
        cases = await conn.scalar(select(func.count()).select_from(orm.cases))
        entries = list(await conn.execute(select(orm.audit_log).order_by(orm.audit_log.c.seq)))
    return cases, [(e.action, e.outcome, e.case_id) for e in entries]


async def test_a_decision_is_committed_with_its_audit_entry(intake, tmp_path):
    rosa = await _client(intake, tmp_path)
    case = (await rosa.post("/api/requests", json=dialogue_request())).json()
    assert await _stored(intake) == (1, [("request.phone", "done", case["case_id"])])


async def test_a_failure_after_the_decision_before_its_commit_leaves_neither(
        intake, tmp_path, monkeypatch):
    write_entry = StaffReads.audit
    failed_once = []

    async def fails_on_the_decisions_entry(self, entry):
        if entry.outcome == "done" and not failed_once:
            failed_once.append(entry)  # the decision's rows are written, its commit to come
            raise RuntimeError("the store went away")
        await write_entry(self, entry)

    monkeypatch.setattr(StaffReads, "audit", fails_on_the_decisions_entry)
    rosa = await _client(intake, tmp_path)
    answer = await rosa.post("/api/requests", json=dialogue_request())
    assert answer.status_code == 500 and failed_once
    # No case without its entry: the request was not taken, and the log says it failed.
    assert await _stored(intake) == (0, [("request.phone", "failed", None)])

    # Tried again, both are there.
    case = (await rosa.post("/api/requests", json=dialogue_request())).json()
    assert await _stored(intake) == (1, [("request.phone", "failed", None),
                                         ("request.phone", "done", case["case_id"])])


async def test_a_step_for_the_victim_and_its_entry_go_together(intake, tmp_path, monkeypatch):
    rosa = await _client(intake, tmp_path)
    case_id = (await rosa.post("/api/requests", json=dialogue_request())).json()["case_id"]
    write_entry = StaffReads.audit

    async def refuses_the_pause(self, entry):
        if entry.action == "case.pause" and entry.outcome == "done":
            raise RuntimeError("the store went away")
        await write_entry(self, entry)

    monkeypatch.setattr(StaffReads, "audit", refuses_the_pause)
    assert (await rosa.post(f"/api/cases/{case_id}/pause", json={})).status_code == 500
    assert (await rosa.get(f"/staff/cases/{case_id}")).text.count("paused") == 0
    monkeypatch.undo()
    paused = await rosa.post(f"/api/cases/{case_id}/pause", json={})
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    assert (await _stored(intake))[1] == [("request.phone", "done", case_id),
                                          ("case.pause", "failed", case_id),
                                          ("case.pause", "done", case_id)]
