"""Her own page: she sees her case and her messages, and changes what is hers, each change
made only with a one-time code sent to her; links can be taken back."""
import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from vod_shared.envelope import new_envelope
from vod_shared.events import Channel, NotificationSent
from vod_shared.victim_links import VictimLinks

from intake.service_layer.her_page import remember_message

from ..conftest import LINK_SECRET, intake_on
from .test_public_pages import submit_and_confirm

LINKS = VictimLinks(LINK_SECRET)


@pytest.fixture
async def intake(tmp_path, database_url_factory):
    """Her page on SQLite and on PostgreSQL: its codes are counted and used up in single
    statements whose behaviour differs between the two."""
    async for client in intake_on(tmp_path, database_url_factory("intake")):
        yield client


def _events(rows) -> list[dict]:
    return [json.loads(r.value) for r in rows]


@pytest.fixture
async def her(intake) -> dict:
    """Ana asked on the public page, in Spanish, for a dialogue and for release and escape notices."""
    await submit_and_confirm(intake, "es", phone="(619) 555-0100", notify_on=["release", "escape"],
                             also_register="yes")
    request, registration = _events(await intake.outbox())
    person_id = request["data"]["requester_id"]
    return {"case_id": request["subject"], "person_id": person_id,
            "registration_id": registration["subject"],
            "reference": request["data"]["reference"],
            "token": LINKS.token(request["subject"], person_id)}


async def _ask(intake, her, **fields):
    page = await intake.http.post(f"/v/{her['token']}/ask", data=fields)
    assert page.status_code == 200, page.text
    change_id = re.search(r'name="change_id" value="([^"]+)"', page.text).group(1)
    return page, change_id


async def _code(intake, her, change_id, code=None):
    return await intake.http.post(f"/v/{her['token']}/code", data={
        "change_id": change_id, "code": code or intake.post_office.last_code()})


async def _change(intake, her, **fields):
    _, change_id = await _ask(intake, her, **fields)
    done = await _code(intake, her, change_id)
    assert done.status_code == 200, done.text
    return done


async def _new_events(intake, seen: int) -> list[dict]:
    return _events(await intake.outbox(topic=None))[seen:]


async def test_her_page_shows_her_case_and_her_messages_in_her_language_and_changes_nothing(
        intake, her):
    async with intake.runtime.uow() as uow:
        for n, template in enumerate(("request_acknowledged", "eligibility_needs_review",
                                      "session_reminder", "meeting_reminder")):
            await remember_message(new_envelope(NotificationSent(
                notification_id=f"n{n}", cause_event_id="e", recipient_id=her["person_id"],
                channel=Channel.EMAIL, template=template,
                sent_at=datetime(2026, 12, 1, 10 + n, tzinfo=timezone.utc)),
                source="/services/notifications", subject=her["case_id"]), uow)
        await uow.commit()
    before = len(await intake.outbox(topic=None))
    page = await intake.http.get(f"/v/{her['token']}")
    assert page.status_code == 200 and '<html lang="es">' in page.text
    assert her["reference"] in page.text and "Su solicitud está activa." in page.text
    assert "Su solicitud</td>" in page.text and "La revisión de su solicitud" in page.text
    assert "<td>2026-12-01</td>" in page.text  # in her zone (she lives in Nevada)
    # A reminder goes the day before at the meeting's or the dialogue's own time of day: its
    # time would tell whoever holds her link when she meets. Neither reminders nor times.
    assert "El diálogo" not in page.text and "Una reunión de preparación" not in page.text
    assert "03:00" not in page.text and page.text.count("<td>2026-12-01</td>") == 2
    assert "Liberación" in page.text and "Cerrar sesión en todas partes" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert len(await intake.outbox(topic=None)) == before


async def test_a_pause_is_made_only_with_the_code_sent_to_her(intake, her):
    seen = len(await intake.outbox(topic=None))
    page, change_id = await _ask(intake, her, what="pause", case_id=her["case_id"])
    assert "Le enviamos un código de seis números por correo" in page.text
    assert f'href="/v/{her["token"]}?lang=en"' in page.text  # the language switch: her page
    channel, to, words = intake.post_office.sent[-1]
    assert (channel, to) == ("email", "ana.lopez@example.org") and "Ana" not in words
    code = intake.post_office.last_code()
    wrong = await _code(intake, her, change_id, "000000" if code != "000000" else "111111")
    assert wrong.status_code == 422 and await _new_events(intake, seen) == []
    done = await _code(intake, her, change_id, code)
    assert "Su solicitud quedó en pausa." in done.text
    [paused] = await _new_events(intake, seen)
    assert (paused["type"], paused["data"]["by"]) == ("vod.CasePaused.v1", "victim")
    again = await _code(intake, her, change_id, code)  # a code works once
    assert again.status_code == 410


async def test_a_withdrawal_stops_everything_at_once_and_can_be_undone(intake, her):
    seen = len(await intake.outbox(topic=None))
    done = await _change(intake, her, what="withdraw", case_id=her["case_id"])
    assert "Puede deshacerlo desde su página durante 7 días" in done.text
    [paused] = await _new_events(intake, seen)
    assert (paused["type"], paused["data"]["reason"]) == ("vod.CasePaused.v1",
                                                          "withdrawal_pending")
    page = await intake.http.get(f"/v/{her['token']}")
    assert "Deshacer mi retiro" in page.text
    await _change(intake, her, what="undo_withdrawal", case_id=her["case_id"])
    resumed = (await _new_events(intake, seen))[-1]
    assert (resumed["type"], resumed["data"]["reason"]) == ("vod.CaseResumed.v1",
                                                            "withdrawal_undone")
    intake.clock.advance(days=8)
    assert await intake.app.state.her_page.finalise_withdrawals() == 0


async def test_a_withdrawal_not_undone_becomes_final_after_seven_days(intake, her):
    await _change(intake, her, what="withdraw", case_id=her["case_id"])
    page = intake.app.state.her_page
    intake.clock.advance(days=6, hours=23)
    assert await page.finalise_withdrawals() == 0
    intake.clock.advance(hours=2)
    assert await page.finalise_withdrawals() == 1
    last = _events(await intake.outbox())[-1]
    assert (last["type"], last["data"]["by"]) == ("vod.CaseWithdrawn.v1", "victim")
    shown = await intake.http.get(f"/v/{her['token']}")
    assert "Usted retiró esta solicitud. No pasará nada más." in shown.text


async def test_moving_to_text_messages_in_spanish_sends_the_code_to_her_phone(intake, her):
    seen = len(await intake.outbox(topic=None))
    _, change_id = await _ask(intake, her, what="preferences", channel="sms", language="es",
                              time_zone="America/Denver", quiet_start="21:30", quiet_end="07:00")
    assert intake.post_office.sent[-1][:2] == ("sms", "+16195550100")
    await _code(intake, her, change_id)
    [updated] = await _new_events(intake, seen)
    assert updated["type"] == "vod.PersonUpdated.v1" and updated["subject"] == her["person_id"]
    sealed = updated["data"]["sealed"]
    assert (sealed["purpose"], updated["data"]["staff_view"]["purpose"]) == ("contact", "name")
    details = await intake.opened_by("notifications", sealed, about=her["person_id"])
    assert details["preferred_channel"] == "sms" and details["time_zone"] == "America/Denver"
    assert details["quiet_hours"] == {"start": "21:30", "end": "07:00"}
    assert "+16195550100" not in json.dumps(updated)


async def test_a_new_email_is_used_only_once_proven_at_the_new_address(intake, her):
    seen = len(await intake.outbox(topic=None))
    _, first = await _ask(intake, her, what="contact", kind="email", value="ana.nueva@example.org")
    assert intake.post_office.sent[-1][1] == "ana.lopez@example.org"  # on file first
    second = await _code(intake, her, first)
    assert intake.post_office.sent[-1][1] == "ana.nueva@example.org"
    assert await _new_events(intake, seen) == []  # not used yet
    change_id = re.search(r'name="change_id" value="([^"]+)"', second.text).group(1)
    await _code(intake, her, change_id)
    [updated] = await _new_events(intake, seen)
    details = await intake.open(updated["data"]["sealed"], about=her["person_id"])
    assert details["email"] == "ana.nueva@example.org"


async def test_she_drops_one_kind_of_custody_notice_then_cancels(intake, her):
    seen = len(await intake.outbox(topic=None))
    await _change(intake, her, what="notices", registration_id=her["registration_id"],
                  notify_on=["release"])
    await _change(intake, her, what="cancel_registration", registration_id=her["registration_id"])
    changed, cancelled = await _new_events(intake, seen)
    assert (changed["type"], changed["data"]["notify_on"]) == ("vod.RegistrationChanged.v1",
                                                               ["release"])
    assert cancelled["type"] == "vod.RegistrationCancelled.v1"
    page = await intake.http.get(f"/v/{her['token']}")
    assert "No se ha registrado para recibir avisos de custodia." in page.text


async def test_bad_input_on_her_page_gets_a_clear_error_and_changes_nothing(intake, her):
    seen = len(await intake.outbox(topic=None))
    bad = [{"what": "contact", "kind": "email", "value": "not-an-address"},
           {"what": "preferences", "channel": "pigeon", "language": "es"},
           {"what": "notices", "registration_id": her["registration_id"], "notify_on": []},
           {"what": "pause", "case_id": "someone-elses-case"},
           {"what": "explode"}]
    for fields in bad:
        page = await intake.http.post(f"/v/{her['token']}/ask", data=fields)
        assert page.status_code == 422, fields
        assert 'role="alert"' in page.text
    assert await _new_events(intake, seen) == []


async def test_sign_out_everywhere_takes_back_every_link_made_until_then(intake, her,
                                                                        monkeypatch):
    import itsdangerous.timed

    real_time = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() - 60)
    older, other = (LINKS.token(her["case_id"], her["person_id"]),
                    LINKS.token(None, her["person_id"]))  # in messages of a minute ago
    monkeypatch.undo()
    # Links are stamped to the second: she signs out a few seconds before the next message.
    intake.clock.now = datetime.now(timezone.utc) - timedelta(seconds=3)
    out = await intake.http.post(f"/v/{older}/sign-out")
    assert "Sus enlaces ya no funcionan" in out.text
    assert (await intake.http.get(f"/v/{older}")).status_code == 404  # the one used
    assert (await intake.http.get(f"/v/{other}")).status_code == 404
    refused = await intake.http.post(f"/v/{other}/ask", data={"what": "withdraw",
                                                             "case_id": her["case_id"]})
    assert refused.status_code == 404
    fresh = LINKS.token(her["case_id"], her["person_id"])  # in the next message
    assert (await intake.http.get(f"/v/{fresh}")).status_code == 200


async def test_a_tampered_or_someone_elses_link_opens_nothing(intake, her):
    token = her["token"]
    flipped = "A" if token[-6] != "A" else "B"  # a bit the signature really carries
    tampered = await intake.http.get(f"/v/{token[:-6]}{flipped}{token[-5:]}")
    someone_else = LINKS.token(her["case_id"], "another-person")
    assert tampered.status_code == 404 and her["reference"] not in tampered.text
    assert (await intake.http.get(f"/v/{someone_else}")).status_code == 404


async def test_a_link_older_than_30_days_has_expired_and_says_whom_to_call(intake, her, monkeypatch):
    import itsdangerous.timed

    real_time = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() - 31 * 86400)
    old = LINKS.token(her["case_id"], her["person_id"])
    monkeypatch.undo()
    page = await intake.http.get(f"/v/{old}?lang=en")
    assert page.status_code == 410 and "1-877-256-6877" in page.text


async def test_a_withdrawal_staff_resumed_for_her_does_not_become_final(intake, her):
    from vod_shared.events import ActedBy

    from intake.domain.commands import ChangeCase
    await _change(intake, her, what="withdraw", case_id=her["case_id"])
    await intake.app.state.intake.handle(ChangeCase(case_id=her["case_id"], action="resume",
                                                    by=ActedBy.STAFF_FOR_VICTIM))
    intake.clock.advance(days=8)
    await intake.app.state.her_page.finalise_withdrawals()
    types = [e["type"] for e in _events(await intake.outbox())]
    assert "vod.CaseWithdrawn.v1" not in types and types[-1] == "vod.CaseResumed.v1"


async def test_her_codes_have_their_own_daily_limit(intake, her):
    for _ in range(10):
        await _ask(intake, her, what="pause", case_id=her["case_id"])
    over = await intake.http.post(f"/v/{her['token']}/ask", data={"what": "pause",
                                                                  "case_id": her["case_id"]})
    assert over.status_code == 429 and "retry-after" in over.headers


async def test_undoing_a_withdrawal_keeps_the_pause_she_had_made_before(intake, her):
    await _change(intake, her, what="pause", case_id=her["case_id"])
    await _change(intake, her, what="withdraw", case_id=her["case_id"])
    await _change(intake, her, what="undo_withdrawal", case_id=her["case_id"])
    last = _events(await intake.outbox())[-1]
    assert (last["type"], last["data"]["reason"]) == ("vod.CasePaused.v1", "withdrawal_undone")
    page = await intake.http.get(f"/v/{her['token']}")
    assert "Su solicitud está en pausa." in page.text and "Reanudar mi solicitud" in page.text


async def test_a_change_not_confirmed_in_time_is_deleted(intake, her):
    from sqlalchemy import func, select

    from intake.adapters.orm import pending_changes
    await _ask(intake, her, what="contact", kind="phone", value="(619) 555-0177")
    intake.clock.advance(minutes=16)
    await intake.app.state.door.expire()
    async with intake.runtime.engine.connect() as conn:
        left = (await conn.execute(select(func.count()).select_from(pending_changes))).scalar()
    assert left == 0


def _links_of_a_minute_ago(her, monkeypatch) -> dict:
    import itsdangerous.timed

    real_time = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() - 60)
    older = LINKS.token(her["case_id"], her["person_id"])  # in a message of a minute ago
    monkeypatch.undo()
    return her | {"token": older}


async def test_a_replaced_email_takes_back_the_links_already_sent_and_she_goes_on_with_a_new_one(
        intake, her, monkeypatch):
    """She changes her email because someone else reads the old inbox: the links sent there
    stop opening her page, and the changes asked for with them are dropped."""
    intake.clock.now = datetime.now(timezone.utc)
    older = _links_of_a_minute_ago(her, monkeypatch)
    _, waiting = await _ask(intake, older, what="pause", case_id=her["case_id"])
    _, first = await _ask(intake, older, what="contact", kind="email",
                          value="ana.nueva@example.org")
    second = await _code(intake, older, first)
    change_id = re.search(r'name="change_id" value="([^"]+)"', second.text).group(1)
    done = await _code(intake, older, change_id)
    # She goes on at a new address, which her browser shows: the old one opens nothing now
    assert done.status_code == 303
    new = re.match(r"/v/([^?]+)\?lang=es&done=links_taken_back$", done.headers["location"])
    assert new and new.group(1) != older["token"]
    assert (await intake.http.get(f"/v/{older['token']}")).status_code == 404
    page = await intake.http.get(done.headers["location"])
    assert page.status_code == 200 and her["reference"] in page.text
    assert "ya no abren su página" in page.text and 'role="status"' in page.text
    # saved with its ?done=... and opened again later, it says it no more
    intake.clock.advance(minutes=11)
    later = await intake.http.get(done.headers["location"])
    assert later.status_code == 200 and "ya no abren su página" not in later.text
    pause = await _code(intake, her | {"token": new.group(1)}, waiting)
    assert pause.status_code == 410  # asked with a link taken back: dropped


async def test_a_link_emailed_to_an_address_she_replaced_opens_nothing_however_new(intake, her):
    """Notifications may email the old address after the change, before it learns of it:
    that link names the address it went to, and opens only while the address is hers."""
    to_old = LINKS.token(her["case_id"], her["person_id"], sent_to="Ana.Lopez@example.org ")
    assert (await intake.http.get(f"/v/{to_old}")).status_code == 200  # hers, however written
    _, first = await _ask(intake, her, what="contact", kind="email", value="ana.nueva@example.org")
    second = await _code(intake, her, first)
    change_id = re.search(r'name="change_id" value="([^"]+)"', second.text).group(1)
    await _code(intake, her, change_id)
    to_old_later = LINKS.token(her["case_id"], her["person_id"], sent_to="ana.lopez@example.org")
    to_new = LINKS.token(her["case_id"], her["person_id"], sent_to="ana.nueva@example.org")
    assert (await intake.http.get(f"/v/{to_old_later}")).status_code == 404
    assert (await intake.http.get(f"/v/{to_new}")).status_code == 200


async def test_a_replaced_phone_takes_back_no_link(intake, her, monkeypatch):
    """Links go out by email only: a new phone leaves them as they are."""
    intake.clock.now = datetime.now(timezone.utc)
    older = _links_of_a_minute_ago(her, monkeypatch)
    for number in ("(619) 555-0188", "(619) 555-0177"):  # added, then replaced
        _, first = await _ask(intake, older, what="contact", kind="phone", value=number)
        second = await _code(intake, older, first)
        change_id = re.search(r'name="change_id" value="([^"]+)"', second.text).group(1)
        done = await _code(intake, older, change_id)
        assert done.status_code == 200 and "ya no abren su página" not in done.text
    assert (await intake.http.get(f"/v/{older['token']}")).status_code == 200


async def test_her_other_request_with_the_old_email_moves_to_the_new_one_with_it(intake, her):
    """She asked twice with the same email (two requests, each its own record). Replacing it
    from one page moves the other too: its messages, links and codes no longer go to the old
    inbox, and a link sent there for it opens nothing."""
    seen = len(await intake.outbox(topic=None))
    await submit_and_confirm(intake, "es", cdcr_number="AB7777")
    [again] = [e for e in await _new_events(intake, seen) if e["type"] == "vod.RequestReceived.v1"]
    other = again["data"]["requester_id"]
    assert other != her["person_id"]
    to_old = LINKS.token(again["subject"], other, sent_to="ana.lopez@example.org")
    assert (await intake.http.get(f"/v/{to_old}")).status_code == 200
    seen = len(await intake.outbox(topic=None))
    _, first = await _ask(intake, her, what="contact", kind="email", value="ana.nueva@example.org")
    second = await _code(intake, her, first)
    change_id = re.search(r'name="change_id" value="([^"]+)"', second.text).group(1)
    await _code(intake, her, change_id)
    updated = {e["data"]["person_id"]: e for e in await _new_events(intake, seen)
               if e["type"] == "vod.PersonUpdated.v1"}
    assert set(updated) == {her["person_id"], other}
    moved = await intake.open(updated[other]["data"]["sealed"], about=other)
    assert moved["email"] == "ana.nueva@example.org"
    to_old_later = LINKS.token(again["subject"], other, sent_to="ana.lopez@example.org")
    to_new = LINKS.token(again["subject"], other, sent_to="ana.nueva@example.org")
    assert (await intake.http.get(f"/v/{to_old_later}")).status_code == 404
    assert (await intake.http.get(f"/v/{to_new}")).status_code == 200


async def test_the_same_email_written_otherwise_is_no_new_email(intake, her, monkeypatch):
    intake.clock.now = datetime.now(timezone.utc)
    older = _links_of_a_minute_ago(her, monkeypatch)
    _, first = await _ask(intake, older, what="contact", kind="email",
                          value="Ana.Lopez@Example.org")
    second = await _code(intake, older, first)
    change_id = re.search(r'name="change_id" value="([^"]+)"', second.text).group(1)
    done = await _code(intake, older, change_id)
    assert done.status_code == 200  # no redirect: nothing taken back
    assert (await intake.http.get(f"/v/{older['token']}")).status_code == 200
