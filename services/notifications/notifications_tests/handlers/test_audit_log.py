"""Notifications audits staff decisions as well as reads: settling an unknown delivery writes
one entry in the settlement's own transaction (a refused try one of its own), reading the texts
through the API is an entry; no number and no words in the log. Admins read it as JSON (a
period, pages) or as a page linked with the other services' logs; no one else."""
from sqlalchemy import select

from vod_shared.staff import Role

from notifications.adapters import orm
from notifications.domain.delivery import OutcomeUnknown

from ..support import new_id
from .test_key_rotation import _text_back
from .test_settling_deliveries import _a_text, service  # noqa: F401  (the fixture)


async def _audit(service) -> list:
    async with service.harness.uow() as uow:
        return list(await uow.session.execute(select(orm.audit_log).order_by(
            orm.audit_log.c.seq)))


async def test_settling_and_reading_texts_are_audited_and_only_admins_read_the_log(
        service, clock):
    delivery = await _a_text(service, clock, outcome=OutcomeUnknown("sms_no_answer:ReadTimeout"))
    sid = "SM" + new_id().replace("-", "")
    await _text_back(service.harness, clock, sid, "Please call me after five", "+16195550177")
    staff = await service.staff(Role.INTAKE)
    settled = await staff.post(f"/api/deliveries/{delivery}/settle",
                               json={"outcome": "not_sent", "note_code": "provider_checked"})
    assert settled.status_code == 200, settled.text
    assert (await staff.post(f"/api/deliveries/{delivery}/settle",
                             json={"outcome": "sent"})).status_code == 409
    assert (await staff.get("/api/inbound-sms")).status_code == 200

    rows = await _audit(service)
    assert [(r.username, r.action, r.outcome, r.detail) for r in rows] == [
        (staff.username, "delivery.settle", "done", f"{delivery} not_sent"),
        (staff.username, "delivery.settle", "refused_not_now", f"{delivery} sent"),
        (staff.username, "texts.read", "done", "1 texts")]
    assert not any("5550177" in str(tuple(r)) or "call me" in str(tuple(r)) for r in rows)

    admin = await service.staff(Role.ADMIN)
    found = (await admin.get("/api/audit", params={"limit": 1})).json()
    assert found["count"] == 3 and found["items"][0]["action"] == "texts.read"
    assert (await admin.get("/api/audit", params={"from": "2999-01-01T00:00:00Z"})
            ).json()["count"] == 0
    page = await admin.get("/staff/audit")
    assert page.status_code == 200 and "delivery.settle" in page.text
    assert "Audit log: notifications" in page.text and ">Intake</a>" in page.text
    refused = await staff.get("/staff/audit")
    assert refused.status_code == 403 and "text/html" in refused.headers["content-type"]
    assert (await staff.get("/api/audit")).status_code == 403
