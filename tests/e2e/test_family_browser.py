"""Linked family cases, in headless Chromium against intake, scheduling, notifications, the
broker and the mail catcher: two family members of one victim ask for a dialogue with the same
offender; a coordinator links their cases on scheduling's page (a reference that is no case is
refused there); the joint dialogue cannot be scheduled while one of them is not ready, and the
page says who holds it up; once both are ready it is scheduled once, and each participant gets
their own invitation, to their own address, naming no one else.
Screenshots: artifacts/screenshots/family-*.png."""
import re
import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from vod_devtools.catchers import Catchers
from vod_devtools.demo import expect, signed, until
from vod_devtools.net import free_port
from vod_devtools.staff_testing import add_staff, sign_in
from vod_devtools.testing import produce
from vod_shared.envelope import new_envelope, to_kafka
from vod_shared.events import EligibilityDetermined, ScreeningCompleted

from .staff_support import screenshot_path
from .test_calendar_browser import EVERY_DAY, page  # noqa: F401
from .test_staff_browser import _go, _sign_in
from .test_support_person import INTAKE_SECRET, _invitations

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


async def _family_member(intake, given: str, email: str, language: str, cdcr: str) -> dict:
    raw, headers = signed({"kind": "dialogue_request", "requester": {
        "given_name": given, "family_name": "Familia", "relationship": "surviving_family_member",
        "email": email, "preferred_language": language, "preferred_channel": "email",
        "state": "CA"}, "offender": {"cdcr_number": cdcr}}, INTAKE_SECRET)
    return expect(await intake.post("/webhooks/requests", content=raw, headers=headers), 202,
                  doing=f"{given}'s request")


async def _screening_approves(kafka_bootstrap: str, topic: str, case_id: str, cdcr: str):
    """Screening's two decisions, put on its topic here (screening itself is not started)."""
    now = datetime.now(timezone.utc)
    for data in (EligibilityDetermined(case_id=case_id, outcome="eligible",
                                       reason="in_state_prison", cdcr_number=cdcr,
                                       facility_code="SQ", decided_at=now),
                 ScreeningCompleted(case_id=case_id, outcome="approved", decided_by="rosa",
                                    decided_at=now)):
        record = to_kafka(new_envelope(data, source="/services/screening", subject=case_id))
        await produce(kafka_bootstrap, topic, (record.key, record.value))


async def _met(scheduling, case_id: str, party: str, days_ago: int) -> None:
    """A preparation meeting with ``party`` that took place."""
    held = (datetime.now(timezone.utc) - timedelta(days=days_ago)).replace(microsecond=0)
    expect(await scheduling.post(f"/api/cases/{case_id}/meetings/past", json={
        "party": party, "mode": "phone", "starts_at": held.isoformat(),
        "duration_minutes": 60, "outcome": "Prepared."}), 201, doing="a meeting")


async def test_staff_link_two_family_cases_and_schedule_one_dialogue_for_both(
        page, service_env, processes, kafka_bootstrap, topic_prefix, tmp_path):
    tag, cdcr = uuid.uuid4().hex[:6], f"F{uuid.uuid4().int % 10**5:05d}"
    ana, luis = f"ana.{tag}@example.org", f"luis.{tag}@example.org"
    with Catchers(tmp_path / "catchers", smtp_port=free_port(), http_port=free_port()) as catchers:
        env = service_env | {
            "VOD_STAFF_FILE": str(tmp_path / "staff.toml"), "INTAKE_WEBHOOK_SECRET": INTAKE_SECRET,
            "STAFF_SESSION_SECRET": "browser-tests-staff-session-secret-0123456789",
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(catchers.smtp_port),
            "SMS_API_BASE": catchers.http_base, "SMS_AUTH_TOKEN": "e2e-sms-token",
            "NOTIFICATIONS_SENDER_POLL_S": "0.2"}
        started = {name: processes(name, env, wait=False)
                   for name in ("intake", "scheduling", "notifications")}
        for service in started.values():
            service.wait_healthy(90.0)
        url = started["scheduling"].url
        cora = add_staff(tmp_path / "staff.toml", "cora", "coordinator")
        api = add_staff(tmp_path / "staff.toml", f"api-{tag}", "coordinator")
        async with httpx.AsyncClient(base_url=started["intake"].url, timeout=15) as intake, \
                httpx.AsyncClient(base_url=url, timeout=15) as scheduling:
            await sign_in(scheduling, api)
            expect(await scheduling.post("/api/facilitators", json={
                "display_name": "Maria Reyes", "languages": ["en", "es"], "experienced": True,
                "capacity": 4, "availability": EVERY_DAY}), 201, doing="adding a facilitator")
            first = await _family_member(intake, "Ana", ana, "en", cdcr)
            second = await _family_member(intake, "Luis", luis, "es", cdcr)
            for case in (first, second):
                async def known(case_id=case["case_id"]):
                    return (await scheduling.get(f"/api/cases/{case_id}")).status_code == 200
                await until("the case in scheduling", known, 45)
                await _screening_approves(kafka_bootstrap, f"{topic_prefix}vod.screening",
                                          case["case_id"], cdcr)

                async def assigned(case_id=case["case_id"]):
                    answer = await scheduling.get(f"/api/cases/{case_id}")
                    return bool(answer.json().get("facilitator_ids"))
                await until("a facilitator assigned", assigned, 45)
            a, b = first["case_id"], second["case_id"]
            # Ana is prepared; Luis has met the facilitator, the offender too, he is not ready.
            for case_id, days in ((a, 2), (b, 3)):
                for party in ("victim", "offender"):
                    await _met(scheduling, case_id, party, days)
            for case_id, party in ((a, "victim"), (a, "offender"), (b, "offender")):
                expect(await scheduling.post(f"/api/cases/{case_id}/parties/{party}/ready",
                                             json={}), 200, doing="ready")

            # The coordinator links Luis's case to Ana's on scheduling's page.
            await page.goto(f"{url}/staff/cases/{a}")
            await _sign_in(page, cora)
            await _go(page, page.get_by_role("link", name="Link family members' cases"))
            await page.get_by_label("Their case's VOD reference").fill("VOD-0000-000000")
            await _go(page, page.get_by_role("button", name="Link the case"))
            assert "No case with that reference" in await page.get_by_role("alert").inner_text()
            await page.get_by_label("Their case's VOD reference").fill(second["reference"])
            await _go(page, page.get_by_role("button", name="Link the case"))
            assert "linked" in await page.get_by_role("status").inner_text()
            members = await page.get_by_role("table").inner_text()
            assert first["reference"] in members and second["reference"] in members
            assert "the victim is not yet ready" in members
            await page.screenshot(path=screenshot_path("family-linked"), full_page=True)

            # Ana's page offers the dialogue, but it waits for Luis.
            await page.goto(f"{url}/staff/cases/{a}?venue=video")
            assert "joint dialogue with 1 other participant" in (
                await page.locator("main").inner_text())
            await _go(page, page.get_by_role("button", name="Schedule the dialogue"))
            refusal = await page.get_by_role("alert").inner_text()
            assert f"{second['reference']}: the victim is not yet ready" in refusal
            await page.screenshot(path=screenshot_path("family-not-ready"), full_page=True)

            # Luis is made ready on his own page; the dialogue is then scheduled once.
            await page.goto(f"{url}/staff/cases/{b}")
            await _go(page, page.get_by_role("button", name="Mark the victim ready"))
            await page.goto(f"{url}/staff/cases/{a}?venue=video")
            await _go(page, page.get_by_role("button", name="Schedule the dialogue"))
            assert "The dialogue is scheduled." in await page.get_by_role("status").inner_text()
            await page.screenshot(path=screenshot_path("family-scheduled"), full_page=True)
            sessions = [(await scheduling.get(f"/api/cases/{c}")).json()["sessions"]
                        for c in (a, b)]
            assert [len(s) for s in sessions] == [1, 1]
            assert sessions[0][0]["starts_at"] == sessions[1][0]["starts_at"]

            # Each participant gets their own invitation, in their own language, to their
            # own address, and naming no one else.
            [for_ana] = await until("Ana's invitation", lambda: _invitations(catchers, ana), 45)
            [for_luis] = await until("Luis's invitation", lambda: _invitations(catchers, luis),
                                     45)
            for message, other, name in ((for_ana, luis, "Luis"), (for_luis, ana, "Ana")):
                text = message.get_body(("plain",)).get_content() + message["Subject"]
                assert other not in str(message)
                assert not re.search(rf"\b{name}\b", text), f"{name} named to another"
            assert for_ana["To"] != for_luis["To"]
            assert "Your dialogue" in for_ana["Subject"] and "Su diálogo" in for_luis["Subject"]
            assert first["reference"] in for_ana["Subject"]
            assert second["reference"] in for_luis["Subject"]
            assert second["reference"] not in str(for_ana)
            assert first["reference"] not in str(for_luis)
            await page.goto(catchers.http_base)
            await page.screenshot(path=screenshot_path("family-invitations"), full_page=True)
