"""One staff workspace, in headless Chromium against the four services and the broker: signing
in on each service lands on a page of that service under the one header; a screener follows a
case from the work queue to its schedule and back; a member without the role a page needs is
shown a page saying so, with the pages she may open. Screenshots go to artifacts/screenshots/ (workspace-*.png)."""
import pytest

from vod_devtools.net import free_port
from vod_devtools.staff_testing import add_staff
from vod_devtools.testing import wait_until

from .staff_support import screenshot_path
from .test_staff_browser import SECRET, _go, _request_a_dialogue, _sign_in

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
SERVICES = ("intake", "screening", "scheduling", "notifications")
# What each service's own page says of itself (the header's "Dialogue · <service>"), and a
# heading its landing page shows.
LANDS_ON = {"intake": "Requests and registrations", "screening": "Work queue",
            "scheduling": "Calendar", "notifications": "Delivery log"}


@pytest.fixture
def chromium_browser(own_contexts):
    return own_contexts


async def _new_page(launched):
    context = await launched.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    return await context.new_page()


def _env(service_env, tmp_path) -> dict[str, str]:
    """Each service's port chosen first, so each one's header links to the others'."""
    return service_env | {
        "VOD_STAFF_FILE": str(tmp_path / "staff.toml"), "INTAKE_WEBHOOK_SECRET": SECRET,
        "STAFF_SESSION_SECRET": "browser-tests-staff-session-secret-0123456789",
        **{f"{name.upper()}_PORT": str(free_port()) for name in SERVICES}}


async def _header_links(page) -> dict[str, str]:
    nav = page.get_by_role("navigation", name="Staff workspace")
    return {await link.inner_text(): await link.get_attribute("href")
            for link in await nav.get_by_role("link").all()}


async def test_sign_in_on_each_service_and_follow_a_case_from_the_queue_to_its_schedule(
        chromium_browser, service_env, processes, tmp_path):
    env = _env(service_env, tmp_path)
    started = {name: processes(name, env, wait=False) for name in SERVICES}
    for service in started.values():
        service.wait_healthy(90.0)
    urls = {name: service.url for name, service in started.items()}

    # Signing in on each service (each its own browser, its own admin: a code is used once)
    # lands on that service's own page, under the one header with every page she may open.
    for name in SERVICES:
        page = await _new_page(chromium_browser)
        await page.goto(f"{urls[name]}/staff/login")
        await _sign_in(page, add_staff(tmp_path / "staff.toml", f"ada-{name}", "admin"))
        assert page.url.startswith(f"{urls[name]}/staff/"), page.url
        assert f"Dialogue · {name.capitalize()}" in await page.locator("header").inner_text()
        assert LANDS_ON[name] in await page.get_by_role("heading", level=1).inner_text()
        links = await _header_links(page)
        assert list(links) == ["Work queue", "Intake", "Schedule", "Deliveries", "Audit", "Reports"]
        for label, other in (("Work queue", "screening"), ("Intake", "intake"),
                             ("Schedule", "scheduling"), ("Deliveries", "notifications")):
            href = links[label]
            assert href == "/staff/" if other == name else href == f"{urls[other]}/staff/"
        await page.screenshot(path=screenshot_path(f"workspace-{name}"), full_page=True)
        await page.context.close()

    # A screener: the work queue (screening), the case, its schedule (scheduling), and back.
    case = _request_a_dialogue(urls["intake"])
    reference, case_id = case["reference"], case["case_id"]
    page = await _new_page(chromium_browser)
    await page.goto(f"{urls['screening']}/staff/queue")
    await _sign_in(page, add_staff(tmp_path / "staff.toml", "rosa", "screener"))

    async def in_queue() -> bool:
        await page.reload()
        return reference in await page.content()

    assert await wait_until(in_queue, timeout=30, interval=0.5)
    await _go(page, page.get_by_role("link", name=reference))
    assert page.url == f"{urls['screening']}/staff/cases/{case_id}"
    await page.screenshot(path=screenshot_path("workspace-screening-case"), full_page=True)

    async def scheduling_knows_it() -> bool:
        answer = await page.request.get(f"{urls['scheduling']}/staff/cases/{case_id}")
        return answer.status == 200

    assert await wait_until(scheduling_knows_it, timeout=30, interval=0.5)
    elsewhere = page.get_by_role("navigation", name="This case elsewhere")
    await _go(page, elsewhere.get_by_role("link", name="Scheduling: meetings and dialogue"))
    assert page.url == f"{urls['scheduling']}/staff/cases/{case_id}"
    assert reference in await page.get_by_role("heading", level=1).inner_text()
    assert "You are reading this schedule" in await page.content()
    await page.screenshot(path=screenshot_path("workspace-schedule"), full_page=True)
    elsewhere = page.get_by_role("navigation", name="This case elsewhere")
    await _go(page, elsewhere.get_by_role("link", name="Screening: timeline and decisions"))
    assert page.url == f"{urls['screening']}/staff/cases/{case_id}"
    await _go(page, page.get_by_role("navigation", name="Staff workspace").get_by_role(
        "link", name="Work queue"))
    assert page.url == f"{urls['screening']}/staff/queue"


async def test_a_member_without_the_role_sees_a_page_saying_so(
        chromium_browser, service_env, processes, tmp_path):
    env = _env(service_env, tmp_path)
    scheduling = processes("scheduling", env)
    page = await _new_page(chromium_browser)
    await page.goto(f"{scheduling.url}/staff/login")
    # intake staff: no role of scheduling's (every account has at least one role)
    await _sign_in(page, add_staff(tmp_path / "staff.toml", "nora", "intake"))
    assert page.url.startswith(f"{scheduling.url}/staff/")
    assert "Not allowed" in await page.get_by_role("heading", level=1).inner_text()
    text = await page.locator("main").inner_text()
    assert "ask an administrator" in text and "{" not in text  # a page, not a JSON problem
    assert "The links above are the pages your account may use." in text
    assert list(await _header_links(page)) == ["Work queue", "Intake", "Deliveries"]
    await page.screenshot(path=screenshot_path("workspace-not-allowed"), full_page=True)
