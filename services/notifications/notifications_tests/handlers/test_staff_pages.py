"""Notifications' staff pages in the one workspace: a message whose outcome is unknown settled
from its page (sent once more, once), a text read one click further with the view audited, a
refused reader audited too and shown an HTML page, and the opt-outs listed by person id only."""
import re

from sqlalchemy import select

from vod_shared.staff import Role

from notifications.adapters import orm
from notifications.domain.delivery import OutcomeUnknown

from ..support import new_id
from .test_key_rotation import _text_back
from .test_settling_deliveries import _a_text, service  # noqa: F401  (the fixture)


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


async def _audit(service) -> list:
    async with service.harness.uow() as uow:
        return list(await uow.session.execute(select(orm.audit_log).order_by(
            orm.audit_log.c.seq)))


async def test_staff_settle_an_unknown_text_from_its_page_and_it_goes_once_more(service, clock):
    delivery = await _a_text(service, clock, outcome=OutcomeUnknown("sms_no_answer:ReadTimeout"))
    staff = await service.staff(Role.INTAKE)
    page = await staff.get("/staff/unknown")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert f'action="/staff/deliveries/{delivery}/settle"' in page.text
    assert 'aria-label="Staff workspace"' in page.text  # the one header

    forged = await staff.post(f"/staff/deliveries/{delivery}/settle",
                              data={"outcome": "not_sent", "csrf_token": "forged"})
    assert forged.status_code == 403 and (await service.row(delivery)).status == "unknown"
    settled = await staff.post(f"/staff/deliveries/{delivery}/settle",
                               data={"outcome": "not_sent", "csrf_token": _token(page.text)})
    assert settled.status_code == 303
    after = await staff.get(settled.headers["location"])
    assert "Recorded as not sent: it is sent once more." in after.text
    assert f"/staff/deliveries/{delivery}/settle" not in after.text  # no longer unknown
    again = await staff.post(f"/staff/deliveries/{delivery}/settle",
                             data={"outcome": "not_sent", "csrf_token": _token(page.text)})
    assert again.status_code == 409 and "Already settled" in again.text  # a page, not JSON
    await service.send_due()
    await service.send_due()
    assert len(service.harness.sms.sent) == 2  # the first, whose answer never came, and this one


async def test_a_text_is_read_one_click_further_and_every_view_is_audited(service, clock):
    sid = "SM" + new_id().replace("-", "")
    await _text_back(service.harness, clock, sid, "Please call me after five", "+16195550177")
    reader = await service.staff(Role.COORDINATOR)
    listing = await reader.get("/staff/texts")
    assert f'href="/staff/texts/{sid}"' in listing.text
    assert "+16195550177" not in listing.text and "call me" not in listing.text
    assert await _audit(service) == []  # the list shows neither number nor words

    text = await reader.get(f"/staff/texts/{sid}")
    assert "+16195550177" in text.text and "Please call me after five" in text.text
    screener = await service.staff(Role.SCREENER)  # not a role of the delivery pages
    refused = await screener.get(f"/staff/texts/{sid}")
    assert refused.status_code == 403 and "text/html" in refused.headers["content-type"]
    assert "+16195550177" not in refused.text
    anonymous = await service.http.get(f"/staff/texts/{sid}", follow_redirects=False)
    assert anonymous.status_code == 303

    entries = [(e.username, e.action, e.outcome, e.path) for e in await _audit(service)]
    assert entries == [(reader.username, "text.read", "done", f"/staff/texts/{sid}"),
                       (screener.username, "text.read", "refused_role", f"/staff/texts/{sid}"),
                       (None, "text.read", "refused_unauthenticated", f"/staff/texts/{sid}")]


async def test_opt_outs_are_listed_by_person_id_only(service, clock):
    person = new_id()
    await service.harness.person(person, preferred_channel="sms")
    async with service.harness.uow() as uow:
        await uow.people.opt_out_of_sms(person, clock())
        await uow.commit()
    staff = await service.staff(Role.ADMIN)
    page = await staff.get("/staff/opt-outs")
    assert f"person {person[:8]}" in page.text and "1 person has asked" in page.text
    assert f'href="/staff/?recipient={person}"' in page.text
