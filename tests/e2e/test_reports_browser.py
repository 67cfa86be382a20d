"""The director's reports page in headless Chromium: screening's app served on a local port (its
store seeded with a March of cases, no broker), signed in with a second factor, the period
chosen, the charts drawn without JavaScript, and the CSV downloaded with the page's numbers.
The screenshot goes to artifacts/screenshots/reports-case-figures.png."""
import asyncio
import csv
import uuid
from datetime import datetime, timezone

import pyotp
import pytest
import uvicorn

from vod_devtools.net import free_port
from vod_devtools.staff_testing import add_staff
from vod_shared import events as e
from vod_shared.staff import Role

from .staff_support import build, screenshot_path

pytestmark = pytest.mark.e2e


async def _seed(runtime) -> None:
    from screening.adapters.read_model import TimelineEntry

    def at(month: int, day: int) -> datetime:
        return datetime(2026, month, day, 18, tzinfo=timezone.utc)

    lines = []
    for number in range(6):
        case_id = f"case-{uuid.uuid4().hex[:8]}"
        lines += [(case_id, e.RequestReceived, at(2 if number < 2 else 3, 3 + number), None),
                  (case_id, e.EligibilityDetermined, at(3, 10 + number),
                   "ineligible" if number == 5 else "eligible")]
        if number < 3:
            lines += [(case_id, e.FacilitatorAssigned, at(3, 20 + number), None),
                      (case_id, e.SessionCompleted, at(3, 28), None)]
        if number == 4:
            lines.append((case_id, e.CaseWithdrawn, at(3, 25), "victim_not_ready"))
    async with runtime.uow() as uow:
        for case_id, kind, moment, code in lines:
            await uow.timeline.add(TimelineEntry(case_id, str(uuid.uuid4()), kind.type_name(),
                                                 "/services/test", moment, "a line", code))
        await uow.commit()


@pytest.fixture
async def served(tmp_path):
    service = await build("screening", tmp_path)
    await _seed(service.runtime)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(service.app, host="127.0.0.1", port=port,
                                           lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    yield service, f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task
    await service.close()


async def test_a_director_reads_march_with_its_charts_and_downloads_the_same_numbers(
        own_contexts, served, tmp_path):
    service, base = served
    dora = add_staff(service.runtime.settings.effective_staff_file(), "dora", Role.DIRECTOR)
    context = await own_contexts.new_context(viewport={"width": 1280, "height": 900},
                                              accept_downloads=True, java_script_enabled=False)
    context.set_default_timeout(15_000)
    page = await context.new_page()
    await page.goto(f"{base}/staff/reports")
    await page.get_by_label("Username").fill(dora.username)
    await page.get_by_label("Password").fill(dora.password)
    await page.get_by_label("Code").fill(pyotp.TOTP(dora.totp_secret).now())
    async with page.expect_navigation():
        await page.get_by_role("button", name="Sign in").click()
    await page.get_by_label("From", exact=True).fill("2026-03-01")
    await page.get_by_label("To", exact=True).fill("2026-03-31")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Show").click()
    assert "from=2026-03-01" in page.url

    for chart in ("Requests by month", "Eligibility outcomes",
                  "Median days from request to stage", "Withdrawals by reason"):
        assert await page.get_by_role("img", name=chart).is_visible()
    shown = []
    for row in await page.locator("table.report tbody tr").all():
        section = (await row.locator("xpath=ancestor::table").get_attribute("id"))[2:]
        item = await row.locator("th").get_attribute("data-code")
        value = await row.locator("td").inner_text()
        shown.append([section, item, "" if value == "—" else value])
    assert ["requests", "2026-03", "4"] in shown
    assert ["eligibility", "eligible", "5"] in shown
    assert ["dialogues", "held", "3"] in shown
    assert ["withdrawals", "victim_not_ready", "1"] in shown
    await page.screenshot(path=screenshot_path("reports-case-figures"), full_page=True)

    async with page.expect_download() as download:
        await page.get_by_role("link", name="Download these figures as CSV").click()
    saved = tmp_path / "figures.csv"
    await (await download.value).save_as(saved)
    with saved.open(newline="") as sheet:
        table = list(csv.reader(sheet))
    assert table[1:3] == [["period", "from", "2026-03-01"], ["period", "to", "2026-03-31"]]
    assert table[3:] == shown
