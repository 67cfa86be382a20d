"""Intake's staff decisions are audited as well as its reads (a request taken by phone, a step
for her, an erasure: one entry each, ids and codes, never her details), and admins read the log
as JSON (a period, pages) or as a page linked with the other services' logs; no one else."""
import uuid

from sqlalchemy import select

from vod_shared.staff import Role

from intake.adapters import orm

from ..conftest import dialogue_request
from .test_staff_pages import _client


async def test_decisions_are_audited_and_only_admins_read_the_log(intake, tmp_path):
    rosa = await _client(intake, tmp_path, f"rosa{uuid.uuid4().hex[:6]}", Role.INTAKE)
    admin = await _client(intake, tmp_path, f"ada{uuid.uuid4().hex[:6]}", Role.ADMIN)
    case = (await rosa.post("/api/requests", json=dialogue_request())).json()
    case_id = case["case_id"]
    assert (await rosa.post(f"/api/cases/{case_id}/pause",
                            json={"reason": "Call after 5pm"})).status_code == 200
    assert (await rosa.post(f"/api/cases/{case_id}/resume", json={})).status_code == 200
    erased = await admin.post(f"/api/cases/{case_id}/erase-requester",
                              json={"reason": "person_asked"})
    assert erased.status_code == 202, erased.text

    async with intake.runtime.engine.connect() as conn:
        rows = list(await conn.execute(select(orm.audit_log).order_by(orm.audit_log.c.seq)))
    assert [(r.action, r.outcome, r.case_id) for r in rows] == [
        ("request.phone", "done", case_id), ("case.pause", "done", case_id),
        ("case.resume", "done", case_id), ("requester.erase", "done", case_id)]
    assert rows[-1].detail == "person_asked" and rows[-1].path.endswith("/erase-requester")
    assert not any("5pm" in str(tuple(r)) or "López" in str(tuple(r)) for r in rows)

    found = (await admin.get("/api/audit", params={"case_id": case_id, "limit": 2})).json()
    assert found["count"] == 4 and [i["action"] for i in found["items"]] == [
        "requester.erase", "case.resume"]
    assert (await admin.get("/api/audit", params={"from": "2999-01-01T00:00:00Z"})
            ).json()["count"] == 0
    page = await admin.get("/staff/audit", params={"case_id": case_id})
    assert page.status_code == 200 and "requester.erase" in page.text
    assert "Audit log: intake" in page.text and ">Scheduling</a>" in page.text
    refused = await rosa.get("/staff/audit")
    assert refused.status_code == 403 and "text/html" in refused.headers["content-type"]
    assert (await rosa.get("/api/audit")).status_code == 403
