"""The one header never offers a page that would refuse its reader: for each role, every
link the header shows opens (a page with the header, 200) for a member with only that role, on
each service's own app; and signing in on any service lands on a page of that service."""
import re

import pytest

from vod_devtools.staff_testing import add_staff, sign_in
from vod_shared.staff import Role
from vod_shared.staff.workspace import DESTINATIONS

from .staff_support import SERVICES, build

pytestmark = pytest.mark.e2e


@pytest.fixture
async def apps(tmp_path):
    built = {}
    for name in SERVICES:
        built[name] = await build(name, tmp_path)
    yield built
    for service in built.values():
        await service.close()


async def _open(service, person, path: str):
    async with service.client() as client:
        await sign_in(client, person)
        answer = await client.get(path)
        while answer.status_code == 303 and answer.headers["location"].startswith("/"):
            answer = await client.get(answer.headers["location"])
        return answer


async def test_every_page_the_header_offers_a_role_opens_for_it(apps):
    for role in Role:  # one loop, not one test per role: building the four apps is the cost
        await _offered_pages_open(apps, role)


async def _offered_pages_open(apps, role: Role) -> None:
    offered = [d for d in DESTINATIONS if role in d.roles]
    assert offered, f"{role} is offered no page at all"
    people = {}
    for destination in offered:
        service = apps[destination.service]  # each built with a staff file of its own
        if destination.service not in people:
            people[destination.service] = add_staff(
                service.runtime.settings.effective_staff_file(), f"only-{role.value}", role)
        answer = await _open(service, people[destination.service], destination.path)
        assert answer.status_code == 200, (role, destination)
        assert answer.headers["content-type"].startswith("text/html")
        assert 'aria-label="Staff workspace"' in answer.text
        labels = re.findall(r'<li><a href="[^"]*"(?: aria-current="page")?>([^<]+)</a>',
                            answer.text.split('aria-label="Staff workspace"')[1].split(
                                "</nav>")[0])
        assert labels == [d.label for d in offered], (role, destination)


async def test_signing_in_on_a_service_lands_on_a_page_of_that_service(apps):
    for name, service in apps.items():
        person = add_staff(service.runtime.settings.effective_staff_file(), f"admin-{name}",
                           Role.ADMIN)
        async with service.client() as client:
            await sign_in(client, person)  # the form's next is empty: the staff home
            answer = await client.get("/staff/", follow_redirects=True)
        assert answer.status_code == 200, name
        assert answer.headers["content-type"].startswith("text/html")
        assert f"Dialogue · {name.capitalize()}" in answer.text
