"""Intake's page for a case's support persons: the list shows no name; names and contacts are
one audited click further; staff who act for her add one (CSRF-protected, every problem shown
at once) or remove one at her word, each decision in the audit log with it."""
import re
import uuid

import httpx
from sqlalchemy import select

from vod_devtools.staff_testing import add_staff, sign_in
from vod_shared.staff import Role

from intake.adapters import orm

from ..conftest import dialogue_request

FORM = {"given_name": "Marta", "family_name": "Ruiz", "relationship": "friend",
        "email": "marta.ruiz@example.org", "phone": "", "preferred_language": "es",
        "preferred_channel": "email"}


async def _client(intake, tmp_path, username: str, *roles: Role) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=intake.app),
                               base_url="http://intake.test")
    await sign_in(client, add_staff(tmp_path / "staff.toml", username, *roles))
    return client


def _csrf(page: httpx.Response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


async def _audit(intake) -> list[tuple]:
    async with intake.runtime.engine.connect() as conn:
        return [(e.username, e.action, e.outcome) for e in await conn.execute(
            select(orm.audit_log).order_by(orm.audit_log.c.seq))]


async def test_staff_add_a_support_person_see_them_one_audited_click_further_and_remove_them(
        intake, tmp_path):
    rosa = await _client(intake, tmp_path, "rosa", Role.INTAKE)
    case_id = (await rosa.post("/api/requests", json=dialogue_request())).json()["case_id"]
    path = f"/staff/cases/{case_id}/support-persons"
    case_page = await rosa.get(f"/staff/cases/{case_id}")
    assert f'href="{path}"' in case_page.text and "No support person yet" in case_page.text

    page = await rosa.get(path)
    assert page.status_code == 200 and 'aria-label="Staff workspace"' in page.text
    added = await rosa.post(path, data={**FORM, "csrf_token": _csrf(page)})
    assert added.status_code == 303 and added.headers["location"] == f"{path}?added=1"
    [person_id] = (await rosa.get(f"/api/cases/{case_id}/support-persons")).json()["person_ids"]
    listed = await rosa.get(f"{path}?added=1")
    assert "The support person is added" in listed.text and person_id[:8] in listed.text
    assert "Marta" not in listed.text and "marta.ruiz" not in listed.text  # no name in the list
    assert "1 support person will come" in (await rosa.get(f"/staff/cases/{case_id}")).text

    details = await rosa.get(f"{path}/details")
    for shown in ("Marta", "Ruiz", "friend", "marta.ruiz@example.org", "Spanish",
                  "This view is logged"):
        assert shown in details.text, shown
    assert (await _audit(intake))[1:] == [("rosa", "support_person.add", "done"),
                                          ("rosa", "support_person.read", "done")]

    listed = await rosa.get(path)
    removed = await rosa.post(f"{path}/{person_id}/remove", data={"csrf_token": _csrf(listed)})
    assert removed.status_code == 303 and removed.headers["location"] == f"{path}?removed=1"
    assert (await rosa.get(f"/api/cases/{case_id}/support-persons")).json()["person_ids"] == []
    assert "No support person yet" in (await rosa.get(path)).text
    erased = [e for e in await intake.events() if e["type"] == "vod.PersonErased.v1"]
    assert [e["subject"] for e in erased] == [person_id]
    assert (await _audit(intake))[-1] == ("rosa", "support_person.remove", "done")


async def test_every_problem_with_the_form_is_shown_at_once_and_nothing_is_added(
        intake, tmp_path):
    cora = await _client(intake, tmp_path, "cora", Role.COORDINATOR, Role.INTAKE)
    case_id = (await cora.post("/api/requests", json=dialogue_request())).json()["case_id"]
    path = f"/staff/cases/{case_id}/support-persons"
    token = _csrf(await cora.get(path))
    refused = await cora.post(path, data={**FORM, "given_name": "", "email": "not-an-email",
                                          "phone": "12", "relationship": "cousin",
                                          "csrf_token": token})
    assert refused.status_code == 422 and "was not added yet" in refused.text
    for expected in ('id="given_name-error"', 'id="email-error"', 'id="phone-error"',
                     'id="relationship-error"'):
        assert expected in refused.text, expected
    assert 'value="Ruiz"' in refused.text  # what was typed is kept
    # Texts chosen, no phone: the rule is the request form's, named on their phone field.
    no_phone = await cora.post(path, data={**FORM, "preferred_channel": "sms",
                                           "csrf_token": token})
    assert no_phone.status_code == 422 and 'id="phone-error"' in no_phone.text
    assert (await cora.get(f"/api/cases/{case_id}/support-persons")).json()["person_ids"] == []
    assert not [e for e in await intake.events() if e["type"] == "vod.SupportPersonAdded.v1"]


async def test_without_a_csrf_token_or_the_role_nothing_changes(intake, tmp_path):
    rosa = await _client(intake, tmp_path, "rosa", Role.INTAKE)
    case_id = (await rosa.post("/api/requests", json=dialogue_request())).json()["case_id"]
    path = f"/staff/cases/{case_id}/support-persons"
    assert (await rosa.post(path, data=FORM)).status_code == 403
    sam = await _client(intake, tmp_path, "sam", Role.SCREENER)
    page = await sam.get(path)
    assert page.status_code == 200 and "Add a support person" not in page.text
    # sam's own token (one of rosa's would be refused for the token alone): the role refuses
    token = _csrf(page)
    for target in (path, f"{path}/{uuid.uuid4()}/remove"):
        refused = await sam.post(target, data={**FORM, "csrf_token": token})
        assert refused.status_code == 403 and "role" in refused.text, target
    assert (await rosa.get(f"/api/cases/{case_id}/support-persons")).json()["person_ids"] == []
    assert (await rosa.get(f"/staff/cases/nope/support-persons")).status_code == 404
    # Who may not read their names is refused, and the try is in the log.
    admin = await _client(intake, tmp_path, "ines", Role.ADMIN)
    refused = await admin.get(f"{path}/details")
    assert refused.status_code == 403 and "text/html" in refused.headers["content-type"]
    assert ("ines", "support_person.read", "refused_role") in await _audit(intake)
