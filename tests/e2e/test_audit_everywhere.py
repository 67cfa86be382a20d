"""One audit page for admins across the four services: the header's "Audit" opens screening's
page of every service's entries (each service publishes its own on vod.audit; none reads
another's database), which links every service's own log; following the links an admin finds
each service's entry for what staff just did there, and, with the four services as processes
on the real broker, finds them all on the one page. Others get an HTML refusal."""
import re
import uuid
from urllib.parse import urlsplit

import httpx
import pytest

from intake_tests.conftest import dialogue_request
from vod_devtools.staff_testing import add_staff, sign_in
from vod_devtools.testing import wait_until
from vod_shared.staff import Role
from vod_shared.staff.workspace import DESTINATIONS

from .staff_support import SERVICES, build

pytestmark = pytest.mark.e2e


@pytest.fixture
async def apps(tmp_path):
    built = {name: await build(name, tmp_path) for name in SERVICES}
    yield built
    for service in built.values():
        await service.close()


async def _signed_in(service, username: str, *roles: Role):
    client = service.client()
    await sign_in(client, add_staff(service.runtime.settings.effective_staff_file(),
                                    username, *roles))
    return client


async def test_an_admin_reads_every_services_audit_from_the_one_audit_link(apps):
    did = {  # something staff do in each service, and the entry it leaves
        "intake": (Role.INTAKE, "post", "/api/requests", dialogue_request(), "request.phone"),
        "scheduling": (Role.COORDINATOR, "put", "/api/facilities/sq", {
            "region": "north", "visiting_hours": {"weekly": [
                {"weekday": 0, "start": "08:00", "end": "15:00"}]}}, "facility.put"),
        "notifications": (Role.INTAKE, "get", "/api/inbound-sms", None, "texts.read"),
        "screening": (Role.FACILITATOR, "get", "/api/audit", None, "audit.read"),  # refused
    }
    for name, (role, method, path, body, _) in did.items():
        staff = await _signed_in(apps[name], f"doer-{name}", role)
        kwargs = {"json": body} if body is not None else {}
        answer = await getattr(staff, method)(path, **kwargs)
        await staff.aclose()
        # Done (the screening try is refused: a facilitator does not read the audit log).
        assert answer.status_code == (403 if name == "screening" else
                                      202 if name == "intake" else 200), (name, answer.text)

    [audit] = [d for d in DESTINATIONS if d.label == "Audit"]
    admins = {name: await _signed_in(apps[name], "ada", Role.ADMIN) for name in SERVICES}
    try:
        first = await admins[audit.service].get(audit.path)
        assert first.status_code == 200, first.text
        nav = first.text.split("Every service's audit log")[1].split("</nav>")[0]
        hrefs = re.findall(r'href="([^"]+)"', nav)
        # every service's own log; the page of them all is the current one
        assert len(hrefs) == len(SERVICES)
        assert '<strong aria-current="page">All services</strong>' in nav
        ports = {str(8001 + n): name for n, name in enumerate(SERVICES)}  # `make run`'s ports
        pages = {}
        for href in hrefs:
            # screening's own log is linked on its own host (no port)
            target = ports.get(str(urlsplit(href).port), audit.service)
            pages[target] = await admins[target].get(urlsplit(href).path)
        for name, (_, _, _, _, action) in did.items():
            page = pages[name]
            assert page.status_code == 200 and "Audit log" in page.text, name
            assert f"doer-{name}" in page.text and action in page.text, name
    finally:
        for client in admins.values():
            await client.aclose()

    for name in SERVICES:
        other = await _signed_in(apps[name], f"co-{name}", Role.COORDINATOR)
        refused = await other.get("/staff/audit")
        await other.aclose()
        assert refused.status_code == 403, name
        assert refused.headers["content-type"].startswith("text/html"), name


def _row(service: str, username: str, action: str) -> re.Pattern:
    """A row of the page of them all: the service, who, and what."""
    return re.compile(rf"<td>{service.capitalize()}</td><td>{re.escape(username)}</td>"
                      rf"<td>{re.escape(action)}")


@pytest.mark.integration
async def test_what_staff_do_in_each_service_reaches_the_one_page_over_the_broker(
        service_env, processes, tmp_path):
    env = service_env | {"VOD_STAFF_FILE": str(tmp_path / "staff.toml"),
                         "STAFF_SESSION_SECRET": "audit-everywhere-staff-session-secret-0123"}
    started = {name: processes(name, env, wait=False) for name in SERVICES}
    for process in started.values():
        process.wait_healthy(90.0)
    did = {  # one thing staff do in each service (screening's is refused: audited too)
        "intake": (Role.INTAKE, "post", "/api/requests", dialogue_request(), "request.phone"),
        "scheduling": (Role.COORDINATOR, "put", "/api/facilities/sq", {
            "region": "north", "visiting_hours": {"weekly": [
                {"weekday": 0, "start": "08:00", "end": "15:00"}]}}, "facility.put"),
        "notifications": (Role.INTAKE, "get", "/api/inbound-sms", None, "texts.read"),
        "screening": (Role.FACILITATOR, "get", "/api/audit", None, "audit.read"),
    }
    suffix = uuid.uuid4().hex[:6]
    for name, (role, method, path, body, _) in did.items():
        person = add_staff(tmp_path / "staff.toml", f"doer-{name}-{suffix}", role)
        async with httpx.AsyncClient(base_url=started[name].url, timeout=15) as staff:
            await sign_in(staff, person)
            kwargs = {"json": body} if body is not None else {}
            answer = await getattr(staff, method)(path, **kwargs)
        assert answer.status_code in (200, 202, 403), (name, answer.text)

    admin = add_staff(tmp_path / "staff.toml", f"ada-{suffix}", Role.ADMIN)
    async with httpx.AsyncClient(base_url=started["screening"].url, timeout=15) as browser:
        await sign_in(browser, admin)

        async def all_there() -> bool:
            page = await browser.get("/staff/audit/everywhere")
            assert page.status_code == 200, page.text
            return all(_row(name, f"doer-{name}-{suffix}", action).search(page.text)
                       for name, (*_, action) in did.items())
        assert await wait_until(all_there, timeout=45), started["screening"].log()[-3000:]
        api = (await browser.get("/api/audit/everywhere",
                                 params={"username": f"doer-scheduling-{suffix}"})).json()
        assert [(e["service"], e["action"]) for e in api["items"]] == [
            ("scheduling", "facility.put")]
    async with httpx.AsyncClient(base_url=started["screening"].url, timeout=15) as other:
        await sign_in(other, add_staff(tmp_path / "staff.toml", f"co-{suffix}", Role.COORDINATOR))
        refused = await other.get("/staff/audit/everywhere")
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("text/html")
