"""A coordinator plans with the week grid, in headless Chromium against intake, scheduling and
the broker: a request becomes an approved case with a facilitator, the grid shows her hours,
the next week offers the earliest fitting times for a preparation meeting, one click books one,
and the meeting is on the grid. Screenshot: artifacts/screenshots/calendar-week.png."""
from datetime import datetime, timezone

import pytest

from vod_devtools.staff_testing import add_staff
from vod_devtools.testing import produce, wait_until
from vod_shared.envelope import new_envelope, to_kafka
from vod_shared.events import EligibilityDetermined, ScreeningCompleted

from .staff_support import screenshot_path
from .test_staff_browser import SECRET, _go, _request_a_dialogue, _sign_in

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
EVERY_DAY = {"time_zone": "America/Los_Angeles",
             "weekly": [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(7)]}


@pytest.fixture
async def page(own_contexts):
    context = await own_contexts.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(15_000)
    return await context.new_page()


async def _screening_approves(kafka_bootstrap: str, topic: str, case_id: str) -> None:
    """Screening's two decisions, put on its topic here (screening itself is not started)."""
    now = datetime.now(timezone.utc)
    for data in (EligibilityDetermined(case_id=case_id, outcome="eligible",
                                       reason="in_state_prison", cdcr_number="AB1234",
                                       facility_code="SQ", decided_at=now),
                 ScreeningCompleted(case_id=case_id, outcome="approved", decided_by="rosa",
                                    decided_at=now)):
        record = to_kafka(new_envelope(data, source="/services/screening", subject=case_id))
        await produce(kafka_bootstrap, topic, (record.key, record.value))


async def test_a_coordinator_books_a_preparation_meeting_from_the_offered_times(
        page, service_env, processes, kafka_bootstrap, topic_prefix, tmp_path):
    staff_file = tmp_path / "staff.toml"
    env = service_env | {"VOD_STAFF_FILE": str(staff_file), "INTAKE_WEBHOOK_SECRET": SECRET,
                         "STAFF_SESSION_SECRET": "browser-tests-staff-session-secret-0123456789"}
    intake, scheduling = processes("intake", env, wait=False), processes("scheduling", env,
                                                                         wait=False)
    intake.wait_healthy(90.0)
    scheduling.wait_healthy(90.0)
    cora = add_staff(staff_file, "cora", "coordinator")

    await page.goto(f"{scheduling.url}/staff/calendar")
    await _sign_in(page, cora)
    assert page.url.startswith(f"{scheduling.url}/staff/calendar")
    added = await page.request.post(f"{scheduling.url}/api/facilitators", data={
        "display_name": "Maria Reyes", "languages": ["en", "es"], "experienced": True,
        "capacity": 4, "availability": EVERY_DAY})
    assert added.status == 201, await added.text()

    case = _request_a_dialogue(intake.url)
    case_id, reference = case["case_id"], case["reference"]

    async def case_known() -> bool:
        return (await page.request.get(f"{scheduling.url}/api/cases/{case_id}")).status == 200

    assert await wait_until(case_known, timeout=30, interval=0.5)
    await _screening_approves(kafka_bootstrap, f"{topic_prefix}vod.screening", case_id)

    async def assigned() -> bool:
        answer = await page.request.get(f"{scheduling.url}/api/cases/{case_id}")
        return bool((await answer.json()).get("facilitator_ids"))

    assert await wait_until(assigned, timeout=30, interval=0.5)

    # Next week (this one may be nearly over), the case chosen: Maria's hours are shaded and the
    # earliest fitting times are offered, in the program's zone.
    await page.goto(f"{scheduling.url}/staff/calendar")
    await _go(page, page.get_by_role("link", name="Next week"))
    await _go(page, page.get_by_role("link", name=reference))
    assert "Maria Reyes" in await page.get_by_role("heading", level=1).inner_text()
    assert await page.locator("td.free").count() == 7 * 8  # 09:00 to 17:00, every day
    assert await page.get_by_label("Start time (America/Los_Angeles)").count() == 1
    offers = page.get_by_role("button", name="Book 20")  # "Book 2026-..."
    assert await offers.count() == 5
    first = offers.first
    chosen = await first.get_attribute("value")
    assert chosen.endswith(("-08:00", "-07:00")) and "T09:00:00" in chosen

    await page.get_by_label("How").first.select_option("video")
    await _go(page, first)
    assert "The meeting is booked." in await page.get_by_role("status").inner_text()
    grid = page.get_by_role("table", name="The week, one row per hour")
    booked = grid.get_by_role("link", name="09:00–10:00 Meeting with the victim (video)")
    assert await booked.count() == 1 and reference in await booked.inner_text()
    assert chosen not in [await b.get_attribute("value")
                          for b in await page.get_by_role("button", name="Book 20").all()]
    await page.screenshot(path=screenshot_path("calendar-week"), full_page=True)

    # The case page agrees.
    await _go(page, booked)
    assert "video" in await page.get_by_role("table").first.inner_text()
