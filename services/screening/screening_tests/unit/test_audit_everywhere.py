"""Every service's audit entries (AuditRecorded on vod.audit) kept once each and shown to admins
together, newest first, at /staff/audit/everywhere and /api/audit/everywhere."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from vod_shared.audit_log import signed_entry
from vod_shared.consumer import Unprocessable
from vod_shared.events import AuditRecorded
from vod_shared.sealing import KeyDirectory
from vod_shared.staff import Role

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=timezone.utc)


def told(service: str, seq: int, minutes: int, **more) -> AuditRecorded:
    return AuditRecorded(**{
        "service": service, "entry_seq": seq, "at": T0 + timedelta(minutes=minutes),
        "staff": "ana.admin", "action": f"{service}.thing", "outcome": "done",
        "case_id": f"case-{service}", "client": "10.1.2.3", "method": "GET",
        "path": f"/staff/{service}", "detail": None, **more})


def signed(screening, data: AuditRecorded, *, by: str | None = None) -> AuditRecorded:
    """``data`` signed as service ``by`` (its own service's) signs its entries."""
    keys = KeyDirectory(screening.settings.effective_keys_dir())
    return signed_entry(data, keys.keyring(by or data.service).signing)


async def tell(screening, data: AuditRecorded, event_id: str | None = None, *,
               sign: bool = True):
    return await screening.apply(signed(screening, data) if sign else data,
                                 subject=data.service, source=f"/services/{data.service}",
                                 event_id=event_id)


async def test_entries_are_kept_once_and_listed_newest_first_with_their_service(screening):
    await tell(screening, told("intake", 1, minutes=1))
    await tell(screening, told("notifications", 7, minutes=3))
    first = await tell(screening, told("scheduling", 4, minutes=2, outcome="refused_not_now"))
    await tell(screening, told("scheduling", 4, minutes=2, outcome="refused_not_now"),
               event_id=first.id)  # the same event again
    await tell(screening, told("intake", 1, minutes=1))  # the same entry, told anew
    admin = await screening.staff(Role.ADMIN)
    answer = await admin.get("/api/audit/everywhere")
    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 3
    assert [(e["service"], e["action"], e["outcome"]) for e in body["items"]] == [
        ("notifications", "notifications.thing", "done"),
        ("scheduling", "scheduling.thing", "refused_not_now"),
        ("intake", "intake.thing", "done")]
    assert body["items"][2]["username"] == "ana.admin" and body["items"][2]["address"] == \
        "10.1.2.3"
    only = (await admin.get("/api/audit/everywhere", params={"service": "intake"})).json()
    assert [e["case_id"] for e in only["items"]] == ["case-intake"]
    # reading it is audited in screening's own log, and that entry is published in turn
    reads = [e.data for e in await screening.events("vod.audit")
             if e.data.action == "audit.read" and e.data.detail == "everywhere"]
    assert [(r.service, r.staff) for r in reads] == [("screening", admin.username)] * 2


async def test_an_entry_in_another_services_name_is_refused(screening):
    with pytest.raises(Unprocessable):
        await screening.apply(told("intake", 9, minutes=1), subject="intake",
                              source="/services/notifications")
    with pytest.raises(Unprocessable):
        await screening.apply(told("elsewhere", 9, minutes=1), subject="elsewhere",
                              source="/services/elsewhere")


async def test_an_entry_its_service_did_not_sign_is_refused_and_hides_nothing(screening):
    """Every service may write vod.audit: a host with notifications' credentials could tell
    entries in intake's name with intake's next number. Without intake's signing key they are
    refused (the dead letters, with the reason), and intake's real entry is kept, undisputed."""
    forged = told("intake", 42, minutes=-600, staff="decoy", action="home.read")
    for data, sign in ((signed(screening, forged, by="notifications"), False),  # another's key
                       (forged, False),  # no signature at all
                       (signed(screening, forged).model_copy(update={"staff": "nobody"}),
                        False)):  # intake's, altered
        with pytest.raises(Unprocessable, match="audit entry of intake: "):
            await tell(screening, data, sign=sign)
    real = told("intake", 42, minutes=1, staff="rogue", action="contact.read", case_id="her-case")
    await tell(screening, real)
    admin = await screening.staff(Role.ADMIN)
    body = (await admin.get("/api/audit/everywhere", params={"service": "intake"})).json()
    assert [(e["username"], e["action"], e["disputed"]) for e in body["items"]] == [
        ("rogue", "contact.read", False)]


async def test_a_signed_entry_checks_after_its_trip_through_the_topic(screening):
    """What is signed is the entry's values as they travel: the reader's copy checks."""
    from vod_shared.audit_log import check_entry
    from vod_shared.envelope import from_kafka, new_envelope, to_kafka

    keys = KeyDirectory(screening.settings.effective_keys_dir())
    for at in (T0.replace(microsecond=123456), T0.astimezone(timezone(timedelta(hours=-8)))):
        data = signed(screening, told("scheduling", 5, minutes=0).model_copy(update={
            "at": at, "detail": "café ☕", "path": "/staff/cases/ü?x=1"}))
        read = from_kafka(to_kafka(new_envelope(data, source="/services/scheduling",
                                                subject="scheduling")).value).data
        check_entry(read, keys.keyring("screening"))


async def test_the_page_shows_the_service_column_filters_and_pages(screening):
    for seq in range(1, 103):
        await tell(screening, told("scheduling", seq, minutes=seq))
    await tell(screening, told("intake", 1, minutes=200, case_id=f"case-{uuid.uuid4().hex}"))
    admin = await screening.staff(Role.ADMIN)
    page = await admin.get("/staff/audit/everywhere")
    assert page.status_code == 200
    assert "103 entries, newest first" in page.text and "Page 1 of 2" in page.text
    assert '<th scope="col">Service</th>' in page.text and "<td>Intake</td>" in page.text
    assert page.text.index("<td>Intake</td>") < page.text.index("<td>Scheduling</td>")
    assert '<strong aria-current="page">All services</strong>' in page.text
    assert 'href="/staff/audit">Screening</a>' in page.text
    older = await admin.get("/staff/audit/everywhere", params={"page": 2})
    assert older.text.count("<td>Scheduling</td>") == 3
    filtered = await admin.get("/staff/audit/everywhere", params={"service": "intake"})
    assert "1 entry, newest first" in filtered.text
    screener = await screening.staff(Role.SCREENER)
    refused = await screener.get("/staff/audit/everywhere")
    assert refused.status_code == 403 and "Not allowed" in refused.text
    assert (await screener.get("/api/audit/everywhere")).status_code == 403


async def test_entries_told_with_one_number_are_all_listed_and_disputed(screening):
    """Two entries signed by a service with one number: after a restore from a backup it numbers
    its entries again from where the backup left off (and a stolen signing key would do the
    same). The second was once dropped as already kept (a staff member reading her contact
    details); now each entry told is listed, however many came first, found by its own staff
    member and case, all marked."""
    for n in range(6):  # the backup's, first
        await tell(screening, told("intake", 42, minutes=-600 - n, staff=f"decoy{n}",
                                   action="home.read"))
    real = told("intake", 42, minutes=1, staff="rogue", action="contact.read",
                case_id="her-case")
    await tell(screening, real)
    await tell(screening, real)  # told again: nothing more
    await tell(screening, told("intake", 43, minutes=2))
    await tell(screening, told("intake", 43, minutes=2))  # the same entry twice: no dispute

    admin = await screening.staff(Role.ADMIN)
    body = (await admin.get("/api/audit/everywhere", params={"service": "intake"})).json()
    assert body["count"] == 8
    assert [(e["entry_seq"], e["username"], e["disputed"]) for e in body["items"][:2]] == [
        (43, "ana.admin", False), (42, "rogue", True)]
    assert {(e["entry_seq"], e["disputed"]) for e in body["items"][2:]} == {(42, True)}
    for found in ({"username": "rogue"}, {"case_id": "her-case"}):
        items = (await admin.get("/api/audit/everywhere", params=found)).json()["items"]
        assert [(e["action"], e["disputed"]) for e in items] == [("contact.read", True)]
    page = (await admin.get("/staff/audit/everywhere", params={"username": "rogue"})).text
    assert "Disputed" in page and "number 42" in page


async def test_entries_kept_before_versions_are_kept_through_the_migration_and_back(screening):
    """Migration 0009 rebuilds the table with the version in its key: what was kept stays (as
    version 0, not disputed); going back keeps the first version of each entry."""
    from alembic import command

    from vod_shared.migrations import alembic_config, upgrade_to_head

    from screening.bootstrap import MIGRATIONS

    await tell(screening, told("intake", 1, minutes=1))
    await tell(screening, told("intake", 1, minutes=1, staff="someone.else"))  # disputed
    engine = screening.runtime.engine
    config = alembic_config(MIGRATIONS, engine.url.render_as_string(hide_password=False))

    def downgrade(sync_connection) -> None:
        config.attributes["connection"] = sync_connection
        command.downgrade(config, "0008")

    async with engine.begin() as conn:
        await conn.run_sync(downgrade)
    await upgrade_to_head(engine, MIGRATIONS)

    admin = await screening.staff(Role.ADMIN)
    items = (await admin.get("/api/audit/everywhere")).json()["items"]
    assert [(e["service"], e["entry_seq"], e["username"], e["disputed"]) for e in items] == [
        ("intake", 1, "ana.admin", False)]
