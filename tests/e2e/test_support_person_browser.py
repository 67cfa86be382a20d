"""A victim's support person, in headless Chromium against the four services, the broker and
the mail catcher: staff open intake's page for the case, are shown every problem of a half-filled
form at once, add the support person, open their details (one audited click further), grant
their gate clearance on screening's case page, and once the dialogue is set the support person's
own invitation is in the mail catcher. Screenshots: artifacts/screenshots/support-person-*.png."""
import re
import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from vod_devtools.catchers import Catchers
from vod_devtools.demo import until
from vod_devtools.net import free_port
from vod_devtools.staff_testing import add_staff, sign_in

from .staff_support import screenshot_path
from .test_staff_browser import _go, _sign_in
from .test_support_person import (
    CUSTODY_SECRET,
    INTAKE_SECRET,
    _invitations,
    _schedule_by_video,
    _through_screening,
)

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
SERVICES = ("intake", "screening", "scheduling", "notifications")


def _env(service_env: dict, catchers: Catchers, tmp_path) -> dict:
    """Each service's port chosen first, so each one's header and case links reach the others."""
    return service_env | {
        "VOD_STAFF_FILE": str(tmp_path / "staff.toml"),
        "STAFF_SESSION_SECRET": "browser-tests-staff-session-secret-0123456789",
        "INTAKE_WEBHOOK_SECRET": INTAKE_SECRET, "CUSTODY_WEBHOOK_SECRET": CUSTODY_SECRET,
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(catchers.smtp_port),
        "SMS_API_BASE": catchers.http_base, "SMS_AUTH_TOKEN": "e2e-sms-token",
        "NOTIFICATIONS_SENDER_POLL_S": "0.2",
        **{f"{name.upper()}_PORT": str(free_port()) for name in SERVICES}}


async def test_staff_add_a_support_person_clear_them_and_they_are_invited(
        page, service_env, processes, tmp_path):
    tag = uuid.uuid4().hex[:6]
    victim, supporter, family = f"ana.{tag}@example.org", f"marta.{tag}@example.org", f"Apoyo{tag}"
    with Catchers(tmp_path / "catchers", smtp_port=free_port(), http_port=free_port()) as catchers:
        env = _env(service_env, catchers, tmp_path)
        started = {name: processes(name, env, wait=False) for name in SERVICES}
        for service in started.values():
            service.wait_healthy(90.0)
        intake_url, screening_url = started["intake"].url, started["screening"].url
        cora = add_staff(tmp_path / "staff.toml", "cora", "intake", "screener", "coordinator")
        # The API's own account: a second factor's code is taken once only.
        api = add_staff(tmp_path / "staff.toml", f"api-{tag}", "intake", "screener",
                        "coordinator")
        async with httpx.AsyncClient(base_url=intake_url, timeout=15) as intake, \
                httpx.AsyncClient(base_url=screening_url, timeout=15) as screening, \
                httpx.AsyncClient(base_url=started["scheduling"].url, timeout=15) as scheduling:
            for client in (intake, screening, scheduling):
                await sign_in(client, api)
            case_id = await _through_screening(intake, screening, scheduling, tag, victim)

            # Intake's case page leads to its support persons.
            await page.goto(f"{intake_url}/staff/cases/{case_id}")
            await _sign_in(page, cora)
            assert page.url == f"{intake_url}/staff/cases/{case_id}"
            await _go(page, page.get_by_role("link", name="Support persons", exact=True))
            assert "No support person yet." in await page.locator("main").inner_text()

            # Email chosen, none given, and a phone that is not one: both said at once.
            await page.get_by_label("Given name").fill("Marta")
            await page.get_by_label("Family name").fill(family)
            await page.get_by_label("Phone").fill("12")
            await _go(page, page.get_by_role("button", name="Add the support person"))
            assert "was not added yet" in await page.get_by_role("alert").inner_text()
            assert await page.locator("#email-error").count() == 1
            assert await page.locator("#phone-error").count() == 1
            assert await page.get_by_label("Family name").input_value() == family  # kept
            await page.screenshot(path=screenshot_path("support-person-form-errors"),
                                  full_page=True)

            await page.get_by_label("Phone").fill("")
            await page.get_by_label("Email").fill(supporter)
            await page.get_by_label("Who they are to her").select_option("friend")
            await _go(page, page.get_by_role("button", name="Add the support person"))
            assert "The support person is added" in await page.get_by_role("status").inner_text()
            listed = await page.locator("main").inner_text()
            assert family not in listed and supporter not in listed  # no name in the list
            await page.screenshot(path=screenshot_path("support-person-added"), full_page=True)

            await _go(page, page.get_by_role("link", name="Show names and contact details"))
            details = await page.locator("main").inner_text()
            assert family in details and supporter in details and "friend" in details
            await page.screenshot(path=screenshot_path("support-person-details"), full_page=True)

            # Screening: scheduling asked their gate clearance; a screener grants it.
            await page.goto(f"{screening_url}/staff/cases/{case_id}")
            row = page.get_by_role("row").filter(
                has_text=re.compile(r"support person", re.I)).filter(
                has=page.get_by_role("button", name="Grant"))

            async def asked() -> bool:
                await page.reload()
                return await row.count() == 1
            await until("the support person's clearance request on screening's page", asked, 45)
            cleared_until = (datetime.now(timezone.utc).date() + timedelta(days=60)).isoformat()
            await row.get_by_label("Cleared until").fill(cleared_until)
            await _go(page, row.get_by_role("button", name="Grant"))
            assert "granted and announced" in await page.get_by_role("status").inner_text()
            await page.screenshot(path=screenshot_path("support-person-cleared"), full_page=True)

            # The dialogue is set: the support person's own invitation arrives.
            await _schedule_by_video(scheduling, case_id)
            [invitation] = await until("the support person's invitation",
                                       lambda: _invitations(catchers, supporter), 45)
            text = invitation.get_body(("plain",)).get_content()
            assert "support person" in text and "/v/" not in text
            await page.goto(catchers.http_base)
            assert supporter in await page.content()
            await page.screenshot(path=screenshot_path("support-person-invitation"),
                                  full_page=True)
