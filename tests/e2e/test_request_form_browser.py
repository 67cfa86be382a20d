"""The public request form in headless Chromium, on a first run with the sample roster loaded
(`make sample`), against the real broker, intake and screening, with the mail catcher.

An empty form shows every problem at once. A victim asks for a dialogue about AB1234 (in San
Quentin in the sample roster) and, with the one explained tick, for release and transfer
notices; the refresh after sending sends nothing; the emailed link confirms it; the confirmation
page lists both; the topics hold both the case and her registration, and screening finds the
case eligible from the registry (not "needs review"). The Escape key leaves the page.
Screenshots go to artifacts/screenshots/."""
import asyncio
import os
import re

import pytest

from vod_devtools import sample
from vod_devtools.catchers import Catchers
from vod_devtools.net import free_port
from vod_devtools.testing import read_topic, wait_until
from vod_shared.envelope import from_kafka

from .services import ServiceProcess
from .staff_support import screenshot_path

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
EMAIL = "maria.soto@example.org"
CONFIRM = re.compile(r"https?://\S+/confirm/\S+")


def _mail_to_her(catchers: Catchers) -> list[str]:
    return [r["text"] or "" for r in catchers.mail.read() if EMAIL in r["rcpt_tos"]]


async def _go(page, control) -> None:
    async with page.expect_navigation(wait_until="load"):
        await control.click()


async def _snap(page, name: str) -> None:
    await page.screenshot(path=screenshot_path(f"request-form-{name}"), full_page=True)


async def test_a_dialogue_request_with_notices_on_a_first_run_with_the_sample_roster(
        page, browser_errors, service_env, processes, request, kafka_bootstrap,  # noqa: F811
        topic_prefix, tmp_path):
    # `make sample`: the roster goes into screening's store before screening starts.
    assert sample.load_roster(tmp_path / "var", environ={**os.environ, **service_env}) == 0
    with Catchers(tmp_path / "catchers", smtp_port=free_port(), http_port=free_port()) as catchers:
        env = service_env | {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(catchers.smtp_port),
                             "SMS_API_BASE": catchers.http_base, "SMS_AUTH_TOKEN": "e2e-sms"}
        intake = ServiceProcess("intake", env, tmp_path)
        intake.env["PUBLIC_BASE_URL"] = intake.url
        request.addfinalizer(intake.stop)
        intake.launch()
        screening = processes("screening", env, wait=False)
        for process in (intake, screening):
            process.wait_healthy(90.0)

        # An empty form: every problem at once, each saying what is expected.
        await page.goto(f"{intake.url}/request")
        await _go(page, page.get_by_role("button", name="Send my request"))
        summary = page.get_by_role("alert")
        problems = await summary.locator("li").all_inner_texts()
        assert len(problems) == 5, problems
        assert any("AB1234" in line for line in problems)  # the CDCR number's format
        assert any("name@example.com" in line for line in problems)
        await _snap(page, "01-every-problem-at-once")

        # A dialogue, and with the explained tick, release and transfer notices.
        await page.get_by_label("First name", exact=True).fill("María")
        await page.get_by_label("Last name", exact=True).fill("Soto")
        await page.get_by_label("The person who was harmed").check()
        await page.get_by_label("Email (optional)").fill(EMAIL)
        await page.get_by_label("State you live in").fill("CA")
        await page.get_by_label("CDCR number").fill("AB1234")
        await page.get_by_role("checkbox", name="Also register me for custody notices").check()
        await page.get_by_role("checkbox", name="Release").check()
        await page.get_by_role("checkbox", name="Transfer to another prison").check()
        await _snap(page, "02-filled")
        await _go(page, page.get_by_role("button", name="Send my request"))
        assert "/request/pending/" in page.url
        assert await page.get_by_role("heading", level=1).inner_text() == "Please check your email"

        # The refresh after sending shows the same page and sends nothing again.
        assert await wait_until(lambda: len(_mail_to_her(catchers)) == 1, timeout=15)
        await page.reload()
        assert await page.get_by_role("heading", level=1).inner_text() == "Please check your email"
        await asyncio.sleep(1.0)
        assert len(_mail_to_her(catchers)) == 1
        await _snap(page, "03-pending-after-refresh")

        # The emailed link's button makes the request; the page lists what was made.
        [link] = [CONFIRM.search(words).group(0) for words in _mail_to_her(catchers)]
        await page.goto(link)
        await _go(page, page.get_by_role("button", name="Yes, I asked for this"))
        assert await page.get_by_role("heading", level=1).inner_text() == "We have your request"
        made = await page.locator("#made li").all_inner_texts()
        assert made == ["A dialogue with the person who caused the harm.",
                        "Custody notices (your registration): Release, Transfer to another "
                        "prison."]
        assert "between 9 p.m. and 8 a.m." in await page.locator("main").inner_text()
        await _snap(page, "04-confirmed")
        await page.reload()  # a refresh here makes nothing either

        # Both the case and her registration, once each; the case eligible from the registry.
        records = await read_topic(kafka_bootstrap, f"{topic_prefix}vod.intake", at_least=2,
                                   settle=1.0)
        events = [from_kafka(r.value) for r in records]
        [case] = [e.data for e in events if e.type == "vod.RequestReceived.v1"]
        [registration] = [e.data for e in events if e.type == "vod.RegistrationReceived.v1"]
        assert case.cdcr_number == registration.cdcr_number == "AB1234"
        assert registration.registrant_id == case.requester_id
        assert sorted(registration.notify_on) == ["release", "transfer"]
        decided = [from_kafka(r.value) for r in await read_topic(
            kafka_bootstrap, f"{topic_prefix}vod.screening", at_least=1, settle=0.5)]
        [eligibility] = [e.data for e in decided if e.type == "vod.EligibilityDetermined.v1"
                         and e.subject == case.case_id]
        assert (eligibility.outcome, eligibility.reason, eligibility.facility_code) == (
            "eligible", "in_state_prison", "SQ")

        # The quick exit on the Escape key, leaving no way back to the form.
        await page.route("https://weather.com/**", lambda route: route.fulfill(body="weather"))
        await page.goto(f"{intake.url}/request")
        async with page.expect_navigation():
            await page.keyboard.press("Escape")
        assert page.url == "https://weather.com/"

    # The one answer with problems is a 422, which Chromium reports; nothing else went wrong.
    assert browser_errors == ["Failed to load resource: the server responded with a status of "
                              "422 (Unprocessable Entity)"]
