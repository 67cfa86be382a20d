"""One audit page for admins across the four services: the header's "Audit" opens screening's
log, which links every service's own log (none reads another's database); following the links
an admin finds each service's entry for what staff just did there. Others get an HTML refusal."""
import re
from urllib.parse import urlsplit

import pytest

from intake_tests.conftest import dialogue_request
from vod_devtools.staff_testing import add_staff, sign_in
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
        assert len(hrefs) == len(SERVICES) - 1  # the others; this one is the current page
        ports = {str(8001 + n): name for n, name in enumerate(SERVICES)}  # `make run`'s ports
        pages = {audit.service: first}
        for href in hrefs:
            target = ports[str(urlsplit(href).port)]
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
