"""Roles and the audit log: who may call what; a facilitator sees only their own cases; every
read of a victim's record, every decision and every refused attempt is in the audit log."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from vod_shared import events as e
from vod_shared.staff import Role

from .test_staff_api import open_case

NOW = datetime.now(timezone.utc)


async def assigned_case(screening, account: str) -> str:
    case_id = await open_case(screening)
    await screening.apply(e.FacilitatorAssigned(case_id=case_id, facilitator_ids=["f-1"],
                                                staff_accounts={"f-1": account}, at=NOW),
                          source="/services/scheduling")
    return case_id


async def audit(screening, **params) -> list[dict]:
    admin = await screening.staff(Role.ADMIN)
    answer = await admin.get("/api/audit", params=params)
    assert answer.status_code == 200
    return answer.json()["items"]


async def test_a_facilitator_sees_their_case_and_no_other(screening):
    facilitator = await screening.staff(Role.FACILITATOR, username="maria")
    mine = await assigned_case(screening, "maria")
    other = await assigned_case(screening, "jorge")
    assert (await facilitator.get(f"/api/cases/{mine}")).status_code == 200
    refused = await facilitator.get(f"/api/cases/{other}")
    assert refused.status_code == 404
    assert refused.json()["title"] == (await facilitator.get("/api/cases/no-such")).json()["title"]
    assert (await facilitator.get(f"/staff/cases/{other}")).status_code == 404
    assert (await facilitator.get("/staff/")).headers["location"] == "/staff/cases"
    listed = await facilitator.get("/staff/cases")
    assert mine in listed.text and other not in listed.text


async def test_the_wrong_role_is_refused_and_the_refusal_audited(screening):
    case_id = await open_case(screening)
    facilitator = await screening.staff(Role.FACILITATOR, username="maria")
    intake = await screening.staff(Role.INTAKE, username="ines")
    assert (await facilitator.get("/api/queue")).status_code == 403
    assert (await intake.get("/api/queue")).status_code == 200
    decision = {"outcome": "ineligible", "reason": "deceased"}
    assert (await intake.post(f"/api/cases/{case_id}/eligibility",
                              json=decision)).status_code == 403
    assert (await intake.get("/api/audit")).status_code == 403
    page = await facilitator.get("/staff/queue")
    assert page.status_code == 403 and "Not allowed" in page.text
    refused = [(a["username"], a["action"], a["outcome"]) for a in await audit(screening)
               if a["outcome"] == "refused_role"]
    assert ("ines", "eligibility.decide", "refused_role") in refused
    assert ("maria", "queue.read", "refused_role") in refused


async def test_nobody_signed_in_gets_401_or_the_sign_in_page(screening):
    case_id = await open_case(screening)
    api = await screening.http.get(f"/api/cases/{case_id}")
    assert api.status_code == 401 and api.headers["content-type"] == "application/problem+json"
    page = await screening.http.get(f"/staff/cases/{case_id}")
    assert page.status_code == 303
    assert page.headers["location"] == f"/staff/login?next=%2Fstaff%2Fcases%2F{case_id}"


async def test_both_refused_attempts_at_a_case_are_in_the_audit_log(screening):
    other = await assigned_case(screening, "jorge")
    await screening.http.get(f"/api/cases/{other}")
    facilitator = await screening.staff(Role.FACILITATOR, username="maria")
    await facilitator.get(f"/api/cases/{other}")
    entries = await audit(screening, case_id=other)
    attempts = [(a["username"], a["action"], a["outcome"], a["address"], a["path"])
                for a in reversed(entries) if a["action"] == "case.read"]
    assert attempts == [
        (None, "case.read", "refused_unauthenticated", "127.0.0.1", f"/api/cases/{other}"),
        ("maria", "case.read", "refused_not_found", "127.0.0.1", f"/api/cases/{other}")]


async def test_every_read_of_a_victims_record_and_every_decision_is_audited(screening):
    case_id = await open_case(screening)
    screener = await screening.staff(Role.SCREENER, username="rosa")
    await screener.get(f"/api/cases/{case_id}")
    await screener.post(f"/api/cases/{case_id}/eligibility", json={
        "outcome": "eligible", "reason": "on_state_parole"})
    await screener.post(f"/api/cases/{case_id}/eligibility", json={
        "outcome": "eligible", "reason": "on_state_parole"})  # refused: decided already
    entries = [(a["username"], a["action"], a["outcome"], a["detail"])
               for a in reversed(await audit(screening, case_id=case_id))]
    assert entries == [("rosa", "case.read", "done", None),
                       ("rosa", "eligibility.decide", "done", "eligible: on_state_parole"),
                       ("rosa", "eligibility.decide", "refused_invalid", "NotNow")]
    assert all(a["at"] for a in await audit(screening))


async def test_the_audit_log_cannot_be_changed(screening):
    await screening.http.get("/api/queue")
    async with screening.runtime.engine.connect() as conn:
        for statement in ("UPDATE audit_log SET username = 'nobody'", "DELETE FROM audit_log"):
            with pytest.raises(DBAPIError, match="append-only"):
                await conn.execute(text(statement))
            await conn.rollback()


async def test_a_change_through_the_api_must_come_as_json(screening):
    case_id = await open_case(screening)
    screener = await screening.staff(Role.SCREENER, username="rosa")
    riding = await screener.post(f"/api/cases/{case_id}/eligibility", data={
        "outcome": "ineligible", "reason": "deceased"})  # what a page on another site could send
    assert riding.status_code == 403
    assert [ev.data.decided_by for ev in await screening.events("vod.screening")] == ["system"]
    [entry] = [a for a in await audit(screening, case_id=case_id)
               if a["action"] == "eligibility.decide"]
    assert (entry["username"], entry["outcome"]) == ("rosa", "refused_invalid")
