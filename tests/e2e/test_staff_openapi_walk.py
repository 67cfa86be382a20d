"""Every path in every service's OpenAPI refuses a caller who is not signed in, but the public
ones: 401 for the API (and anything else), a redirect to sign in for a staff page; so does every
route left out of the document. A facilitator asking screening for a case not assigned to them
gets 404 (and their own case, 200), and both refused attempts are audited."""
from datetime import datetime, timezone

import pytest

from vod_devtools.staff_testing import add_staff, sign_in
from vod_shared import envelope
from vod_shared.events import FacilitatorAssigned, RequestReceived

from .staff_support import SERVICES, build, hidden_operations, is_public, operations

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("name", SERVICES)
async def test_every_path_that_is_not_public_refuses_a_caller_not_signed_in(name, tmp_path):
    service = await build(name, tmp_path)
    walked, wrong = [], []
    try:
        async with service.client() as anonymous:
            for method, template, path in (operations(service.app)
                                           + hidden_operations(service.app)):
                if is_public(template):
                    continue
                answer = await anonymous.request(method.upper(), path)
                walked.append(template)
                if template.startswith("/staff/"):
                    good = answer.status_code == 303 and answer.headers.get(
                        "location", "").startswith("/staff/login?next=")
                else:
                    good = answer.status_code == 401 and answer.headers.get(
                        "content-type") == "application/problem+json"
                if not good:
                    wrong.append(f"{method.upper()} {template}: {answer.status_code}")
    finally:
        await service.close()
    assert wrong == [], f"{name} answers callers who are not signed in: {wrong}"
    assert any(path.startswith("/api/") for path in walked), f"{name}: no staff API walked"


async def test_a_facilitator_asking_for_a_case_not_theirs_gets_404_and_both_tries_are_audited(
        tmp_path):
    screening = await build("screening", tmp_path)
    try:
        case_id = await _a_case(screening)
        staff_file = screening.runtime.settings.effective_staff_file()
        async with screening.client() as anonymous:
            assert (await anonymous.get(f"/api/cases/{case_id}")).status_code == 401
        async with screening.client() as jorge:  # a facilitator, on other cases
            await sign_in(jorge, add_staff(staff_file, "jorge", "facilitator"))
            refused = await jorge.get(f"/api/cases/{case_id}")
            assert refused.status_code == 404
            assert refused.json()["title"] == (await jorge.get("/api/cases/no-such-case")).json()[
                "title"]  # the same answer as for no case at all
            assert (await jorge.get(f"/staff/cases/{case_id}")).status_code == 404
        async with screening.client() as maria:  # the facilitator assigned to it
            await sign_in(maria, add_staff(staff_file, "maria", "facilitator"))
            assert (await maria.get(f"/api/cases/{case_id}")).status_code == 200
        async with screening.client() as admin:
            await sign_in(admin, add_staff(staff_file, "ada", "admin"))
            log = (await admin.get("/api/audit", params={"case_id": case_id})).json()["items"]
    finally:
        await screening.close()
    tries = sorted((entry["username"] or "", entry["outcome"], entry["path"]) for entry in log
                   if entry["action"] == "case.read")
    assert tries == [("", "refused_unauthenticated", f"/api/cases/{case_id}"),
                     ("jorge", "refused_not_found", f"/api/cases/{case_id}"),
                     ("jorge", "refused_not_found", f"/staff/cases/{case_id}"),
                     ("maria", "done", f"/api/cases/{case_id}")]
    assert all(entry["address"] and entry["at"] for entry in log)


async def _a_case(screening) -> str:
    """A case opened in screening the way its consumer opens one, assigned to maria."""
    from screening.adapters.names import NameReader
    from screening.bootstrap import event_handlers

    request = RequestReceived(
        case_id="walk-case-1", reference="VOD-2026-000042", requester_id="person-1",
        relationship="victim", cdcr_number="AB1234", preferred_language="en",
        preferred_channel="email", source="web_form", received_at=datetime.now(timezone.utc))
    event = envelope.new_envelope(request, source="/services/intake", subject=request.case_id)
    assigned = envelope.new_envelope(FacilitatorAssigned(
        case_id=request.case_id, facilitator_ids=["fac-maria"],
        staff_accounts={"fac-maria": "maria"}, at=datetime.now(timezone.utc)),
        source="/services/scheduling", subject=request.case_id)
    settings = screening.runtime.settings
    handlers = event_handlers(settings.topics, lambda: datetime.now(timezone.utc),
                              NameReader(settings.effective_keys_dir()))
    async with screening.runtime.uow() as uow:
        await handlers[RequestReceived](event, uow)
        await handlers[FacilitatorAssigned](assigned, uow)
        await uow.commit()
    return request.case_id
