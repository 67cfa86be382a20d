"""The joint dialogue's staff page: linking by VOD reference works with the CSRF token and not
without it, a refusal is explained on the page with every reason, a screener reads the page
and changes nothing, and unlinking from it leaves a case alone again."""
import uuid

from vod_shared.staff import Role

from scheduling_tests.conftest import approved, eligible, request
from scheduling_tests.unit.test_staff_pages import token


async def opened(scheduling, cdcr: str) -> tuple[str, str]:
    case_id, reference = str(uuid.uuid4()), f"VOD-2026-{uuid.uuid4().int % 10**6:06d}"
    await scheduling.feed(request(case_id, cdcr_number=cdcr).model_copy(
        update={"reference": reference}), eligible(case_id, cdcr_number=cdcr), approved(case_id))
    return case_id, reference


async def test_a_coordinator_links_and_unlinks_family_cases_on_the_page(scheduling):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    (ana, ana_ref), (luis, luis_ref) = await opened(scheduling, "AB1234"), await opened(
        scheduling, "AB1234")
    stranger, stranger_ref = await opened(scheduling, "ZZ9999")

    case_page = await coordinator.get(f"/staff/cases/{ana}")
    assert f'href="/staff/cases/{ana}/group"' in case_page.text
    page = await coordinator.get(f"/staff/cases/{ana}/group")
    assert page.status_code == 200 and "not linked to another" in page.text
    assert (await coordinator.post(f"/staff/cases/{ana}/group",
                                   data={"other": luis_ref})).status_code == 403
    assert await scheduling.events("CasesLinked") == []

    refused = await coordinator.post(f"/staff/cases/{ana}/group",
                                     data={"other": stranger_ref, "csrf_token": token(page.text)})
    assert refused.status_code == 409 and 'role="alert"' in refused.text
    assert f"{stranger_ref} is about another offender" in refused.text

    done = await coordinator.post(f"/staff/cases/{ana}/group",
                                  data={"other": luis_ref, "csrf_token": token(page.text)})
    assert done.status_code == 303
    shown = (await coordinator.get(done.headers["location"])).text
    assert "The case is linked to this dialogue." in shown and luis_ref in shown
    assert "the victim is not yet ready" in shown
    assert "joint dialogue with 1 other participant" in (
        await coordinator.get(f"/staff/cases/{luis}")).text

    screener = await scheduling.staff(Role.SCREENER)
    read = await screener.get(f"/staff/cases/{luis}/group")
    assert read.status_code == 200 and ana_ref in read.text and "Link the case" not in read.text
    assert (await screener.post(f"/staff/cases/{luis}/group/unlink",
                                data={"member": ana, "csrf_token": token(read.text)})
            ).status_code == 403

    left = await coordinator.post(f"/staff/cases/{ana}/group/unlink",
                                  data={"member": luis, "csrf_token": token(page.text)})
    assert left.status_code == 303
    assert "not linked to another" in (await coordinator.get(left.headers["location"])).text
    assert [e.case_id for e in await scheduling.events("CaseUnlinked")] == [luis, ana]
    # The refused link linked no one: the only group ever made was Ana's and Luis's.
    assert [e.case_ids for e in await scheduling.events("CasesLinked")] == [[ana, luis]]
    assert "not linked to another" in (
        await coordinator.get(f"/staff/cases/{stranger}/group")).text
