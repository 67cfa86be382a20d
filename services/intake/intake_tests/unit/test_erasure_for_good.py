"""Erasure for good: intake destroys her data key and the keys of the cases she asked for, so
nothing sealed under them opens again anywhere; it tombstones every grant of them on
``vod.keys``, twice (the second time from its due work, once the segment can roll), logs the
erasure without a detail, and never makes or gives a key for her again. On SQLite and
PostgreSQL."""
import asyncio
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from vod_devtools.staff_testing import add_staff, sign_in
from vod_shared.envelope import new_envelope
from vod_shared.events import CaseClosed
from vod_shared.person_keys import readers_of_keys
from vod_shared.sealing import ERASED, CannotUnseal
from vod_shared.staff import Role
from vod_shared.topics import KEY_TOMBSTONE_AGAIN_AFTER_S

from intake.adapters.orm import case_notes, cases, erasures, subject_keys, subject_keys_destroyed
from intake.service_layer import handlers

from ..conftest import dialogue_request, intake_on, operator_env

PERSONAL = ("Ana", "López", "ana.lopez@example.org", "555-0100", "5550100", "John", "Doe",
            "tarde", "Mercy")


@pytest.fixture
async def admin(tmp_path, database_url_factory):
    async for client in intake_on(tmp_path, database_url_factory("intake")):
        await sign_in(client.http, add_staff(tmp_path / "staff.toml", "ines", Role.ADMIN))
        yield client


async def _her_case(intake) -> tuple[str, str, dict]:
    """Ana's request, and a note staff wrote when pausing it for her."""
    case_id = (await intake.post(dialogue_request())).json()["case_id"]
    paused = await intake.http.post(f"/api/cases/{case_id}/pause",
                                    json={"reason": "at Mercy hospital"})
    assert paused.status_code == 200
    events = await intake.events()
    person = next(e for e in events if e["type"] == "vod.PersonRegistered.v1")
    return person["subject"], case_id, person


async def _rows(intake, table, *where) -> list:
    async with intake.runtime.engine.connect() as conn:
        return (await conn.execute(select(table).where(*where))).all()


def _tombstones(rows) -> list[str]:
    return [r.key for r in rows if r.topic == "vod.keys" and r.event_type == "tombstone"]


async def test_erasing_her_destroys_her_keys_and_tombstones_every_grant(admin):
    person_id, case_id, person = await _her_case(admin)
    received = next(e for e in await admin.events() if e["type"] == "vod.RequestReceived.v1")
    assert await admin.opened_by("notifications", person["data"]["sealed"], about=person_id)
    assert len(await _rows(admin, subject_keys)) == 2  # hers and her case's

    answer = await admin.http.post(f"/api/cases/{case_id}/erase-requester",
                                   json={"reason": "person_asked"})
    assert answer.status_code == 202

    # Intake keeps no key for her or her case, and nothing sealed under them.
    assert await _rows(admin, subject_keys) == []
    assert {r.subject_id for r in await _rows(admin, subject_keys_destroyed)} == {person_id,
                                                                                  case_id}
    assert await _rows(admin, case_notes) == []
    [case] = await _rows(admin, cases)
    assert case.sealed_details == {}
    for sealed, about in ((person["data"]["sealed"], person_id),
                          (received["data"]["logistics"], case_id)):
        with pytest.raises(CannotUnseal) as refused:
            await admin.open(sealed, about=about)
        assert refused.value.reason == ERASED
    # Announced with her cases, and every grant of every key tombstoned.
    rows = await admin.outbox(topic=None)
    [erased] = [json.loads(r.value) for r in rows if r.event_type == "vod.PersonErased.v1"]
    assert (erased["subject"], erased["data"]["subjects"]) == (person_id, [case_id])
    assert sorted(_tombstones(rows)) == sorted(
        f"{subject}/{reader}" for subject in (person_id, case_id) for reader in readers_of_keys())


async def test_the_erasure_log_says_who_why_and_how_but_nothing_of_her(admin):
    person_id, case_id, _ = await _her_case(admin)
    await admin.http.post(f"/api/people/{person_id}/erase", json={"reason": "legal_order"})
    [logged] = await _rows(admin, erasures)
    assert (logged.person_id, logged.subjects, logged.reason, logged.by, logged.via) == (
        person_id, [case_id], "legal_order", "ines", "staff_api")
    assert logged.at is not None and logged.tombstoned_again_at is None
    as_text = json.dumps([str(value) for value in logged], ensure_ascii=False)
    assert not any(word in as_text for word in PERSONAL)


async def test_due_work_tombstones_every_grant_again_once_the_segment_can_roll(admin):
    person_id, case_id, _ = await _her_case(admin)
    await admin.http.post(f"/api/people/{person_id}/erase", json={"reason": "person_asked"})
    once = sorted(_tombstones(await admin.outbox(topic=None)))
    erasures_due = admin.app.state.erasures

    admin.clock.advance(seconds=KEY_TOMBSTONE_AGAIN_AFTER_S - 1)
    assert await erasures_due.tombstone_again() == 0
    assert sorted(_tombstones(await admin.outbox(topic=None))) == once
    admin.clock.advance(seconds=2)
    assert await erasures_due.tombstone_again() == 1
    rows = await admin.outbox(topic=None)
    assert sorted(_tombstones(rows)) == sorted(once * 2)
    last = [r.event_type for r in rows][-len(once):]  # the second ones come after the erasure
    assert set(last) == {"tombstone"}
    [logged] = await _rows(admin, erasures)
    assert logged.tombstoned_again_at is not None
    admin.clock.advance(minutes=5)
    assert await erasures_due.tombstone_again() == 0  # once only


async def test_the_running_services_due_work_loop_writes_them(admin):
    from contextlib import asynccontextmanager

    from intake.bootstrap import _with_due_work

    person_id, _, _ = await _her_case(admin)
    await admin.http.post(f"/api/people/{person_id}/erase", json={"reason": "person_asked"})
    once = len(_tombstones(await admin.outbox(topic=None)))
    admin.clock.advance(seconds=KEY_TOMBSTONE_AGAIN_AFTER_S + 1)

    class NoBroker:  # the service's own lifespan without Kafka: only the loop is under test
        started = True

        @asynccontextmanager
        async def lifespan(self, app):
            yield

    state = admin.app.state
    lifespan = _with_due_work(NoBroker(), state.door, state.her_page, state.erasures,
                              interval_s=3600)
    async with lifespan(admin.app):
        for _ in range(100):
            await asyncio.sleep(0.05)
            if len(_tombstones(await admin.outbox(topic=None))) == 2 * once:
                break
    assert len(_tombstones(await admin.outbox(topic=None))) == 2 * once


async def test_nothing_later_makes_or_gives_a_key_for_her_again(admin):
    person_id, case_id, _ = await _her_case(admin)
    marta = (await admin.post(dialogue_request(requester__email="marta@example.org",
                                               requester__phone=...,
                                               offender__cdcr_number="C55555"))).json()
    await admin.http.post(f"/api/people/{person_id}/erase", json={"reason": "person_asked"})

    # Staff act on the case that stays: the step is taken, what they write about her is not kept.
    resumed = await admin.http.post(f"/api/cases/{case_id}/resume",
                                    json={"reason": "she called from Mercy"})
    assert resumed.status_code == 200
    assert await _rows(admin, case_notes) == []
    # Erasing her again answers the same, and still makes no key.
    again = await admin.http.post(f"/api/people/{person_id}/erase",
                                  json={"reason": "person_asked"})
    assert (again.status_code, again.json()["person_id"]) == (202, person_id)
    assert {k.subject_id for k in await _rows(admin, subject_keys)} & {person_id, case_id} == set()
    # A regrant (after a reader's key rotated) gives every live key again: Marta's, not hers.
    before = len(await admin.grants())
    from intake.keys import main
    with operator_env(admin):
        assert await asyncio.to_thread(main, ["regrant", "notifications"]) == 0
    regranted = (await admin.grants())[before:]
    [marta_case] = await _rows(admin, cases, cases.c.case_id == marta["case_id"])
    assert {(g.subject_id, g.reader) for g in regranted} == {
        (marta["case_id"], "notifications"), (marta_case.requester_id, "notifications")}


async def test_an_operator_erasure_is_logged_as_from_the_command_line(admin):
    person_id, case_id, _ = await _her_case(admin)
    from intake.erase import main
    with operator_env(admin):
        assert await asyncio.to_thread(main, ["--case", case_id, "--reason", "entered_in_error",
                                              "--by", "ines"]) == 0
    [logged] = await _rows(admin, erasures)
    assert (logged.person_id, logged.reason, logged.by, logged.via) == (
        person_id, "entered_in_error", "ines", "command_line")
    assert await _rows(admin, subject_keys) == []


async def _close(intake, case_id: str) -> None:
    closed = CaseClosed(case_id=case_id, reason="completed", at=intake.clock())
    async with intake.runtime.uow() as uow:
        await handlers.follow_case_elsewhere(
            new_envelope(closed, source="/services/scheduling", subject=case_id), uow)
        await uow.commit()


@pytest.fixture
async def keeping_30_days(tmp_path, database_url_factory):
    async for client in intake_on(tmp_path, database_url_factory("intake"),
                                  ERASE_AFTER_CLOSED_DAYS=30):
        yield client


async def test_a_requester_is_erased_30_days_after_her_case_closed(keeping_30_days):
    intake = keeping_30_days
    case_id = (await intake.post(dialogue_request())).json()["case_id"]
    still_open = (await intake.post(dialogue_request(requester__email="marta@example.org",
                                                     requester__phone=...))).json()["case_id"]
    await _close(intake, case_id)
    due = intake.app.state.erasures
    intake.clock.advance(days=29)
    assert await due.after_retention() == 0
    intake.clock.advance(days=2)
    assert await due.after_retention() == 1
    [logged] = await _rows(intake, erasures)
    [case] = await _rows(intake, cases, cases.c.case_id == case_id)
    assert (logged.person_id, logged.reason, logged.by, logged.via) == (
        case.requester_id, "retention_period", None, "retention")
    assert [k.subject_id for k in await _rows(intake, subject_keys)
            if k.subject_id == case_id] == []
    [open_case] = await _rows(intake, cases, cases.c.case_id == still_open)
    assert open_case.sealed_details != {}  # another requester, her case still open: kept
    assert await due.after_retention() == 0  # once


def test_a_requester_is_kept_while_a_case_is_open_or_custody_notices_still_need_her():
    from datetime import datetime, timezone

    from vod_shared.events import CustodyNoticeKind, Relationship

    from intake.domain.erasure import due_for_erasure
    from intake.domain.model import Case, CaseStatus, Registration

    now, keep = datetime(2027, 3, 1, tzinfo=timezone.utc), timedelta(days=30)
    long_ago = now - timedelta(days=40)
    closed = Case("c1", "VOD-2026-000001", "p1", "AB1234", CaseStatus.CLOSED, long_ago,
                  closed_at=long_ago)
    recently = Case("c2", "VOD-2026-000002", "p1", "CD5678", CaseStatus.CLOSED, long_ago,
                    closed_at=now - timedelta(days=3))
    still_open = Case("c3", "VOD-2026-000003", "p1", "EF9012", CaseStatus.OPEN, long_ago)
    withdrawn = Case("c4", "VOD-2026-000004", "p1", "GH3456", CaseStatus.WITHDRAWN, long_ago)
    notices = Registration("r1", "p1", Relationship.VICTIM, "AB1234",
                           frozenset({CustodyNoticeKind.RELEASE}), long_ago)
    assert due_for_erasure([closed], [], now=now, keep=keep)
    assert due_for_erasure([closed, withdrawn], [], now=now, keep=keep)
    assert not due_for_erasure([closed, recently], [], now=now, keep=keep)
    assert not due_for_erasure([closed, still_open], [], now=now, keep=keep)
    assert not due_for_erasure([withdrawn], [], now=now, keep=keep)  # never closed: not counted
    assert not due_for_erasure([closed], [notices], now=now, keep=keep)
