"""Scheduling killed (SIGKILL) in the middle of its own work: screening staff approve a burst of
cases one after another, and scheduling assigns each a facilitator as the approvals reach it
(its consumer's work, with the facilitators' capacity to respect). Killed a third of the way and
started again on the same store, it assigns every case once: none lost, none assigned twice
(one FacilitatorAssigned per case on its topic), no facilitator past the capacity, healthy."""
import asyncio
import json
import signal
import time
from collections import Counter
from datetime import datetime, timezone

import httpx
import pytest

from vod_devtools.staff_testing import add_staff, sign_in
from vod_devtools.testing import read_topic
from vod_devtools.webhooks import signed_headers
from vod_shared.staff import Role

from .harness import REPORT, SECRET, Counts, FaultRun

pytestmark = [pytest.mark.integration, pytest.mark.faults]
CASES = 24
KILL_AFTER = 3  # assignments made before the SIGKILL
FACILITATORS, CAPACITY = 6, 4  # room for every case, and no more
ASSIGNED = "vod.FacilitatorAssigned.v1"
APPROVED = {"offender_consents": True, "offender_acknowledges_responsibility": True,
            "safety_concerns": False, "victim_ready": True, "outcome": "approved"}


async def _prepare(run: FaultRun, screening: httpx.AsyncClient,
                   scheduling: httpx.AsyncClient) -> None:
    """The facilitators, and each offender in custody (so every request is found eligible)."""
    for n in range(FACILITATORS):
        answer = await scheduling.post("/api/facilitators", json={
            "display_name": f"Facilitator {n}", "languages": ["en"], "capacity": CAPACITY,
            "experienced": True, "availability": {"time_zone": "America/Los_Angeles", "weekly": [
                {"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]}})
        assert answer.status_code == 201, answer.text
    for n in range(CASES):
        body = json.dumps({"cdcr_number": f"FT{n:04d}", "change": "admission",
                           "status": "in_prison", "facility_code": "SQ", "details": {},
                           "effective_at": datetime.now(timezone.utc).isoformat()}).encode()
        answer = await screening.post("/webhooks/custody", content=body,
                                      headers=signed_headers(body, SECRET))
        assert answer.status_code == 202, answer.text


async def _approve(screening: httpx.AsyncClient, cases: list[str]) -> None:
    for case in cases:
        answer = await screening.post(f"/api/cases/{case}/screening", json=APPROVED)
        assert answer.status_code == 200, answer.text


def _assigned_by(process, at_least: int):
    """A check: has ``process`` logged ``at_least`` assignments? (it returns how many)"""
    async def check() -> int:
        lines = process.log().splitlines()
        done = sum(1 for line in lines if '"event": "case.assigned"' in line)
        return done if done >= at_least else 0
    return check


async def _until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"{what} not in {timeout} s"
        await asyncio.sleep(0.5)


async def test_scheduling_killed_mid_burst_of_facilitator_assignments(tmp_path):
    async with FaultRun(tmp_path, services=("intake", "screening", "scheduling")) as run:
        staff = add_staff(run.dir / "var" / "staff.toml", f"fault-{run.run_id}", Role.ADMIN,
                          Role.SCREENER, Role.COORDINATOR)
        screening = httpx.AsyncClient(base_url=run.services["screening"].url, timeout=10)
        scheduling = httpx.AsyncClient(base_url=run.services["scheduling"].url, timeout=10)
        async with screening, scheduling:
            for client in (screening, scheduling):
                await sign_in(client, staff)
            await _prepare(run, screening, scheduling)
            await run.burst(CASES)

            async def all_eligible() -> bool:
                for case in run.cases:
                    answer = (await screening.get(f"/api/cases/{case}")).json()
                    if (answer.get("eligibility") or {}).get("outcome") != "eligible":
                        return False
                return True
            await _until(all_eligible, 90, "every case found eligible")

            # staff approve the cases one after another; scheduling killed once it has assigned
            # a few (its own log says so), the rest still coming
            approving = asyncio.create_task(_approve(screening, run.cases))
            killed = run.services["scheduling"]
            await _until(_assigned_by(killed, KILL_AFTER), 60, "the first assignments")
            back = await run.restart("scheduling", signal.SIGKILL)
            before_kill = await _assigned_by(killed, 0)()
            await approving

            async def all_assigned() -> bool:
                for case in run.cases:
                    answer = await scheduling.get(f"/api/cases/{case}")
                    if answer.status_code != 200 or not answer.json().get("facilitator_ids"):
                        return False
                return True
            await _until(all_assigned, 120, "every case assigned a facilitator")
            recovered = time.monotonic()
            assigned = {case: (await scheduling.get(f"/api/cases/{case}")).json()[
                "facilitator_ids"] for case in run.cases}
        records = await read_topic(run.broker.bootstrap, f"{run.prefix}vod.scheduling",
                                   at_least=CASES, settle=3.0, timeout=60)
        health = run.healthz()
        dead = await run.dead_letters()
    events = {e["id"]: e for e in map(lambda r: json.loads(r.value), records)
              if e["type"] == ASSIGNED}
    per_case = Counter(e["subject"] for e in events.values())
    load = Counter(f for ids in assigned.values() for f in ids)
    counts = Counts("scheduling SIGKILL mid-assignments", CASES,
                    decided_once=sum(1 for case in run.cases if per_case[case] == 1),
                    messages_once=sum(1 for case in run.cases if per_case[case] == 1),
                    lost=sum(1 for case in run.cases if not per_case[case]),
                    duplicates=sum(n - 1 for n in per_case.values() if n > 1),
                    recovery_s=recovered - back,
                    notes={"assigned_before_the_kill": before_kill,
                           "assigned_events": len(events),
                           "busiest_facilitator": max(load.values()), "dead_letters": dead})
    print(counts.line())
    REPORT.append(counts)
    assert 0 < before_kill < CASES, before_kill  # killed in the middle of its work
    assert set(per_case) == set(run.cases), per_case
    assert (counts.lost, counts.duplicates) == (0, 0), per_case
    assert all(len(ids) == 1 for ids in assigned.values()), assigned
    assert max(load.values()) <= CAPACITY, load
    assert dead == 0
    assert {name: h["status"] for name, h in health.items()} == {n: "ok" for n in health}
