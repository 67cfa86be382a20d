"""``record_audit``: a service's audit entry and its AuditRecorded in the outbox are written in
one transaction, so they are kept together or not at all."""
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import MetaData, func, select

from vod_shared.audit_log import (
    NOBODYS_REFUSALS_ALL_NOT_KEPT,
    NOBODYS_REFUSALS_NOT_KEPT,
    EntryNotAuthentic,
    NobodysRefusals,
    audit_log_table,
    check_entry,
    record_audit,
    signed_entry,
)
from vod_shared.db import PER_FACTORY, create_engine, messaging_metadata, outbox, session_factory
from vod_shared.envelope import from_kafka
from vod_shared.events import AuditRecorded
from vod_shared.sealing import KeyDirectory

audit_metadata = MetaData()
audit_log = audit_log_table(audit_metadata)


@pytest.fixture
async def sessions(engine):
    async with engine.begin() as conn:
        await conn.run_sync(audit_metadata.create_all)
    return session_factory(engine, topic_prefix="t9.")


def _values(case_id: str, **more) -> dict:
    return dict(at=datetime(2026, 12, 6, 16, 0, tzinfo=timezone.utc), username="ana.admin",
                action="contact.read", outcome="done", case_id=case_id, address="10.0.0.7",
                method="GET", path=f"/staff/cases/{case_id}", detail=None, **more)


async def _counts(sessions) -> tuple[int, int]:
    async with sessions() as session:
        return (await session.scalar(select(func.count()).select_from(audit_log)),
                await session.scalar(select(func.count()).select_from(outbox)))


async def test_a_services_entries_are_told_signed_with_its_key(engine, sessions, tmp_path):
    """Every service may write vod.audit: each entry told there carries its service's signature,
    which screening checks with the keys every service has of the others (public ones)."""
    keys = KeyDirectory(tmp_path / "keys")
    keys.init()
    signing = session_factory(engine, topic_prefix="t9.", audit_signer=keys.keyring("intake"))
    for factory in (signing, sessions):  # a service's, and one without a signer (a tool's)
        async with factory() as session:
            await record_audit(session, audit_log, service="intake", values=_values("case-s"))
            await session.commit()
    async with sessions() as session:
        told = [from_kafka(row.value).data for row in
                (await session.execute(select(outbox).order_by(outbox.c.seq))).all()]
    check_entry(told[0], keys.keyring("screening"))
    with pytest.raises(EntryNotAuthentic, match="unsigned"):
        check_entry(told[1], keys.keyring("screening"))
    with pytest.raises(EntryNotAuthentic, match="forged or altered"):  # not intake's words
        check_entry(told[0].model_copy(update={"outcome": "refused_not_allowed"}),
                    keys.keyring("screening"))


async def test_an_entry_and_its_event_are_committed_together(sessions):
    case_id = f"case-{uuid.uuid4().hex[:8]}"
    async with sessions() as session:
        first = await record_audit(session, audit_log, service="intake", values=_values(case_id))
        second = await record_audit(session, audit_log, service="intake",
                                    values=_values(case_id) | {"detail": "x" * 400})
        await session.commit()
    assert second == first + 1
    async with sessions() as session:
        rows = (await session.execute(select(outbox).order_by(outbox.c.seq))).all()
        kept = (await session.execute(select(audit_log).order_by(audit_log.c.seq))).all()
    assert [(row.topic, row.key) for row in rows] == [("t9.vod.audit", "intake")] * 2
    envelopes = [from_kafka(row.value) for row in rows]
    assert all(e.source == "/services/intake" and e.subject == "intake" for e in envelopes)
    data = [e.data for e in envelopes]
    assert all(isinstance(d, AuditRecorded) for d in data)
    assert [d.entry_seq for d in data] == [first, second] == [row.seq for row in kept]
    assert (data[0].service, data[0].staff, data[0].action, data[0].outcome, data[0].case_id,
            data[0].client, data[0].method, data[0].path) == (
        "intake", "ana.admin", "contact.read", "done", case_id, "10.0.0.7", "GET",
        f"/staff/cases/{case_id}")
    assert data[0].at == datetime(2026, 12, 6, 16, 0, tzinfo=timezone.utc)
    # cut to the table's width in the entry and in the event alike
    assert len(kept[1].detail) == 300 and data[1].detail == kept[1].detail


async def test_a_rollback_leaves_neither_the_entry_nor_its_event(sessions):
    async with sessions() as session:
        await record_audit(session, audit_log, service="scheduling",
                           values=_values("case-rolled-back"))
        await session.rollback()
    assert await _counts(sessions) == (0, 0)


async def test_a_case_id_no_case_can_have_is_kept_as_none_with_its_path(database_url_factory):
    """Anyone may ask for ``/api/cases/<anything>``, and the refusal is audited: an id longer
    than a case's is no case (cut to the column, it might become another's), and on PostgreSQL
    it broke the insert, so the request failed (500) and its refusal went unrecorded."""
    engine = create_engine(database_url_factory("audit"))
    async with engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
        await conn.run_sync(audit_metadata.create_all)
    sessions = session_factory(engine, topic_prefix="t9.")
    asked = "a" * 65
    try:
        async with sessions() as session:
            await record_audit(session, audit_log, service="screening",
                               values=_values(asked) | {"username": None,
                                                          "outcome": "refused_unauthenticated"})
            await session.commit()
        async with sessions() as session:
            [kept] = (await session.execute(select(audit_log))).all()
            [row] = (await session.execute(select(outbox))).all()
    finally:
        await engine.dispose()
    assert (kept.case_id, kept.path, kept.outcome) == (
        None, f"/staff/cases/{asked}", "refused_unauthenticated")
    assert from_kafka(row.value).data.case_id is None


async def test_refusals_of_nobody_signed_in_are_kept_up_to_a_bound_per_address(sessions):
    """Anyone who can reach a service may be refused, each refusal an entry and an event: a
    stream of them would bury staff's entries. Per address and 10 minutes, the first 30 are
    kept, the 31st says the rest are not, and the rest are not; staff's refusals always are."""
    now = [0.0]
    sessions.kw["info"][PER_FACTORY]["nobodys_refusals"] = NobodysRefusals(clock=lambda: now[0])

    async def refused(address: str, username: str | None = None):
        async with sessions() as session:
            seq = await record_audit(session, audit_log, service="screening", values=_values(
                "case-1") | {"username": username, "address": address,
                             "outcome": "refused_unauthenticated" if username is None
                             else "refused_role"})
            await session.commit()
        return seq

    flood = [await refused("203.0.113.9") for _ in range(40)]
    others = [await refused("198.51.100.7") for _ in range(2)]
    staff = [await refused("203.0.113.9", username="ana.screener") for _ in range(2)]

    assert flood.count(None) == 9 and None not in others + staff
    async with sessions() as session:
        kept = (await session.execute(select(audit_log).order_by(audit_log.c.seq))).all()
        events = await session.scalar(select(func.count()).select_from(outbox))
    from_flood = [row for row in kept if row.address == "203.0.113.9" and row.username is None]
    assert len(from_flood) == 31 and len(kept) == events == 35
    assert from_flood[-1].detail == NOBODYS_REFUSALS_NOT_KEPT
    now[0] += 600  # the next 10 minutes
    assert await refused("203.0.113.9") is not None


def test_one_host_cannot_pass_the_bound_by_changing_addresses():
    """An IPv6 host holds a whole /64: its addresses count as one. And however many hosts, at
    most ``per_window`` refusals are kept in a window, the last saying so."""
    refusals = NobodysRefusals(per_address=3, per_window=10, clock=lambda: 0.0)
    one_host = [refusals.admit(f"2001:db8:1:2::{n:x}") for n in range(6)]
    assert one_host == ["keep"] * 3 + [NOBODYS_REFUSALS_NOT_KEPT, None, None]
    many = [refusals.admit(f"198.51.100.{n}") for n in range(10)]
    assert many == ["keep"] * 5 + [NOBODYS_REFUSALS_ALL_NOT_KEPT] + [None] * 4
    # both bounds reached by one refusal: it says the wider
    both = NobodysRefusals(per_address=3, per_window=4, clock=lambda: 0.0)
    assert [both.admit("203.0.113.9") for _ in range(5)] == [
        "keep", "keep", "keep", NOBODYS_REFUSALS_ALL_NOT_KEPT, None]


def test_a_signed_entry_checks_across_versions_of_the_event(tmp_path):
    """A field added to AuditRecorded later is not signed (a reader or writer a version behind
    ignores it): entries of a newer writer check with an older reader, and the other way."""
    keys = KeyDirectory(tmp_path / "keys")
    keys.init()

    class Newer(AuditRecorded):
        ticket: str | None = None

    entry = dict(service="intake", entry_seq=3, at=datetime(2026, 12, 6, tzinfo=timezone.utc),
                 staff="ana", action="contact.read", outcome="done")
    for writer, reader in ((Newer, AuditRecorded), (AuditRecorded, Newer)):
        told = signed_entry(writer(**entry, **({"ticket": "T-1"} if writer is Newer else {})),
                            keys.keyring("intake").signing)
        check_entry(reader.model_validate_json(told.model_dump_json()), keys.keyring("screening"))


def test_a_reader_without_a_services_public_keys_refuses_its_entries(tmp_path):
    """Not a consumer's failure, retried for seconds with every topic behind it: the entry goes
    to the dead letters with the reason (and is replayed once the key is back)."""
    keys = KeyDirectory(tmp_path / "keys")
    keys.init()
    told = signed_entry(AuditRecorded(service="intake", entry_seq=1, at=datetime.now(timezone.utc),
                                      staff="ana", action="contact.read", outcome="done"),
                        keys.keyring("intake").signing)
    (tmp_path / "keys" / "intake.verify").unlink()
    with pytest.raises(EntryNotAuthentic, match="public signing keys cannot be read here"):
        check_entry(told, KeyDirectory(tmp_path / "keys").keyring("screening"))
