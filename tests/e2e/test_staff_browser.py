"""Screening staff at work, in headless Chromium against the real services and broker: sign in
with a second factor, open the queue, decide a needs_review case, approve the screening, grant
gate clearances, and see each decision on the topics. Screenshots go to artifacts/screenshots/."""
import base64
import json
import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pyotp
import pytest

from vod_devtools.webhooks import signed_headers
from vod_devtools.staff_testing import add_staff
from vod_devtools.testing import produce, read_topic, wait_until
from vod_shared.envelope import from_kafka, new_envelope, to_kafka
from vod_shared.events import FacilitatorAssigned

from .staff_support import screenshot_path

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
SECRET = "whsec_" + base64.b64encode(uuid.uuid4().bytes * 2).decode()


def _signed(body: bytes) -> dict[str, str]:
    return signed_headers(body, SECRET)


def _request_a_dialogue(intake_url: str) -> dict:
    body = json.dumps({
        "kind": "dialogue_request",
        "requester": {"given_name": "Ana", "family_name": "López", "relationship": "victim",
                      "email": "ana.lopez@example.org", "preferred_language": "es",
                      "preferred_channel": "email", "state": "AZ"},
        "offender": {"cdcr_number": "AB1234"},
    }).encode()
    answer = httpx.post(f"{intake_url}/webhooks/requests", content=body, headers=_signed(body),
                        timeout=10)
    assert answer.status_code == 202, answer.text
    return answer.json()


async def _sign_in(page, person, *, code: str | None = None) -> None:
    await page.get_by_label("Username").fill(person.username)
    await page.get_by_label("Password").fill(person.password)
    await page.get_by_label("Code").fill(code or pyotp.TOTP(person.totp_secret).now())
    await _go(page, page.get_by_role("button", name="Sign in"))


async def _go(page, control) -> None:
    """Clicks a link or a form's button and waits for the page it leads to: the next step
    must read the new page, not race the navigation still under way."""
    async with page.expect_navigation(wait_until="load"):
        await control.click()


async def test_a_screener_signs_in_decides_approves_and_clears_visitors(
        page, service_env, processes, kafka_bootstrap, topic_prefix, tmp_path):
    staff_file = tmp_path / "staff.toml"
    env = service_env | {"VOD_STAFF_FILE": str(staff_file), "INTAKE_WEBHOOK_SECRET": SECRET,
                         "STAFF_SESSION_SECRET": "browser-tests-staff-session-secret-0123456789"}
    intake, screening = processes("intake", env, wait=False), processes("screening", env,
                                                                        wait=False)
    intake.wait_healthy(90.0)
    screening.wait_healthy(90.0)
    rosa = add_staff(staff_file, "rosa", "screener")
    case = _request_a_dialogue(intake.url)
    case_id, reference = case["case_id"], case["reference"]

    # Sign in: a wrong code is refused, the right one lets her in, straight to the queue.
    await page.goto(f"{screening.url}/staff/queue")
    assert "/staff/login" in page.url
    await _sign_in(page, rosa, code="000000")
    assert "That did not work" in await page.get_by_role("alert").inner_text()
    await page.screenshot(path=screenshot_path("sign-in-refused"), full_page=True)
    await _sign_in(page, rosa)
    assert page.url.endswith("/staff/queue")

    async def in_queue() -> bool:
        await page.reload()
        return reference in await page.content()

    assert await wait_until(in_queue, timeout=30, interval=0.5)
    assert "1 case waiting" in await page.locator("#queue-count").inner_text()
    await page.screenshot(path=screenshot_path("queue"), full_page=True)
    await page.keyboard.press("Tab")  # the first stop is the way past the navigation
    assert await page.evaluate("document.activeElement.textContent") == "Skip to the content"

    # The case: the requester's name and, as she lives in Arizona, her travel need (each
    # sealed by intake, opened for this page only), the decision by hand.
    await _go(page, page.get_by_role("link", name=reference))
    assert await wait_until(lambda: _shows(page, "Ana López"), timeout=20, interval=0.5)
    assert "The victim lives outside California: offer travel accommodation" in (
        await page.get_by_role("region", name="Where it stands").inner_text())
    await page.screenshot(path=screenshot_path("case-needs-review"), full_page=True)
    await page.get_by_label("In a California state prison").check()
    await _go(page, page.get_by_role("button", name="Record: eligible"))  # which prison?
    assert "Say which prison" in await page.get_by_role("alert").inner_text()
    await page.screenshot(path=screenshot_path("case-form-refused"), full_page=True)
    await page.get_by_label("Facility code (for a prison, such as SQ)").fill("sq")
    await _go(page, page.get_by_role("button", name="Record: eligible"))
    assert "Eligibility decided and announced." in await page.get_by_role("status").inner_text()

    # The suitability screening: every finding answered, approved.
    for question, answer in (("take part of their own free will", "Yes"),
                             ("acknowledge responsibility", "Yes"),
                             ("safety concerns", "No"), ("victim ready", "Yes")):
        await page.get_by_role("group", name=question).get_by_label(answer).check()
    await _go(page, page.get_by_role("button", name="Approve"))
    assert "Suitability screening recorded" in await page.get_by_role("status").inner_text()

    # Scheduling assigns a facilitator (its event, put on its topic here).
    assigned = to_kafka(new_envelope(FacilitatorAssigned(
        case_id=case_id, facilitator_ids=["fac-maria"], staff_accounts={"fac-maria": "maria"},
        at=datetime.now(timezone.utc)), source="/services/scheduling", subject=case_id))
    await produce(kafka_bootstrap, f"{topic_prefix}vod.scheduling", (assigned.key, assigned.value))

    async def facilitator_known() -> bool:
        await page.reload()
        return await page.locator("#request-visitor option", has_text="maria").count() == 1

    assert await wait_until(facilitator_known, timeout=20, interval=0.5)

    # Gate clearance at SQ: requested for the victim and the facilitator, then granted.
    today = datetime.now(timezone.utc).date()
    for visitor, expires_on in (("The victim", today + timedelta(days=20)),
                                ("Facilitator maria", today + timedelta(days=180))):
        option = page.locator("#request-visitor option", has_text=visitor)
        await page.get_by_label("Visitor").select_option(await option.get_attribute("value"))
        await _go(page, page.get_by_role("button", name="Request clearance"))
        assert "Gate clearance requested." in await page.get_by_role("status").inner_text()
        await page.get_by_label("Cleared until").fill(expires_on.isoformat())
        await _go(page, page.get_by_role("button", name="Grant"))
        assert "granted and announced" in await page.get_by_role("status").inner_text()
    await page.screenshot(path=screenshot_path("case-cleared"), full_page=True)

    await _go(page, page.get_by_role("link", name="Clearances expiring"))
    assert "1 clearance" in await page.get_by_role("status").inner_text()
    await page.screenshot(path=screenshot_path("clearances-expiring"), full_page=True)

    # What the other services see: each decision on the screening topic, keyed by the case.
    records = await read_topic(kafka_bootstrap, f"{topic_prefix}vod.screening", at_least=5,
                               settle=0.5)
    events = [from_kafka(r.value) for r in records]
    assert all(r.key.decode() == case_id for r in records)
    assert [(ev.type.split(".")[1], getattr(ev.data, "decided_by", None)) for ev in events] == [
        ("EligibilityDetermined", "system"), ("EligibilityDetermined", "rosa"),
        ("ScreeningCompleted", "rosa"), ("ClearanceGranted", None), ("ClearanceGranted", None)]
    assert events[1].data.facility_code == "SQ" and events[2].data.outcome == "approved"
    assert {(ev.data.visitor_role, ev.data.facility_code) for ev in events[3:]} == {
        ("victim", "SQ"), ("facilitator", "SQ")}
    assert not any(b"L\xc3\xb3pez" in r.value or b"ana.lopez" in r.value for r in records)
    intake_records = await read_topic(kafka_bootstrap, f"{topic_prefix}vod.intake", at_least=1,
                                      settle=0.5)
    # The state she lives in travels sealed only (base64 holds no quotes).
    assert not any(b'"AZ"' in r.value or b'"state"' in r.value for r in intake_records)


async def test_an_admin_reads_the_audit_of_a_case(page, service_env, processes, tmp_path):
    staff_file = tmp_path / "staff.toml"
    env = service_env | {"VOD_STAFF_FILE": str(staff_file),
                         "STAFF_SESSION_SECRET": "browser-tests-staff-session-secret-0123456789"}
    screening = processes("screening", env)
    ada = add_staff(staff_file, "ada", "admin")
    httpx.get(f"{screening.url}/api/cases/some-case", timeout=10)  # refused, and audited
    await page.goto(f"{screening.url}/staff/audit")
    await _sign_in(page, ada)
    assert page.url.endswith("/staff/audit")
    table = await page.get_by_role("table").inner_text()
    assert "refused unauthenticated" in table and "/api/cases/some-case" in table
    await page.screenshot(path=screenshot_path("audit"), full_page=True)


async def _shows(page, text: str) -> bool:
    await page.reload()
    return text in await page.content()
