"""The public request page: English and Spanish, no JavaScript needed, same rules as the
webhook, and nothing happens until the contact is proven."""
import json
import re

import httpx
import pytest
from sqlalchemy import func, select

from intake.adapters.orm import pending_requests
from intake.bootstrap import bootstrap
from intake.entrypoints.i18n import TEXT
from intake.service_layer.door import OverLimit

FORM = {"kind": "dialogue_request", "given_name": "Ana", "family_name": "López",
        "relationship": "victim", "email": "ana.lopez@example.org", "phone": "",
        "preferred_channel": "email", "preferred_language": "es", "state": "NV",
        "cdcr_number": "ab1234", "offender_given_name": "", "offender_family_name": "",
        "notes": ""}


async def form_token(intake, lang="es") -> str:
    page = await intake.http.get(f"/request?lang={lang}")
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


async def submit(intake, lang="es", **changes):
    token = await form_token(intake, lang)
    return await intake.http.post(f"/request?lang={lang}", data=FORM | changes | {
        "csrf_token": token})


async def submit_and_confirm(intake, lang="es", **changes):
    """The form sent and its contact proven, as she would: the link, or the code."""
    sent = await submit(intake, lang, **changes)
    assert sent.status_code == 303, sent.text
    if (changes.get("preferred_channel") or FORM["preferred_channel"]) == "sms":
        page = await intake.http.get(sent.headers["location"])
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        done = await intake.http.post(sent.headers["location"], data={
            "code": intake.post_office.last_code(), "csrf_token": token})
    else:
        done = await intake.http.post(f"/confirm/{intake.post_office.last_link()}")
    assert done.status_code == 303 and done.headers["location"].startswith("/request/confirmed")
    return done


async def pending_rows(intake) -> int:
    async with intake.runtime.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(pending_requests))).scalar()


def test_every_word_exists_in_both_languages():
    assert set(TEXT["en"]) == set(TEXT["es"])


async def test_the_page_is_in_spanish_with_a_quick_exit_and_a_label_for_every_field(intake):
    page = await intake.http.get("/request?lang=es")
    assert '<html lang="es">' in page.text and "Salir de esta página ya" in page.text
    assert 'href="/request?lang=en"' in page.text  # the language switch
    ids = re.findall(r'<(?:input|select|textarea)[^>]* id="([^"]+)"', page.text)
    assert ids and all(f'for="{i}"' in page.text for i in ids)
    assert "<script" not in page.text.split("</main>")[0]  # the form itself needs no JavaScript


async def test_the_page_cannot_be_framed_and_runs_only_its_own_script(intake):
    page = await intake.http.get("/request")
    policy = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert f'<script nonce="{nonce}">' in page.text
    again = await intake.http.get("/request")
    assert nonce not in again.headers["content-security-policy"]  # fresh for every page


async def test_a_request_waits_for_its_email_to_be_confirmed_and_the_message_holds_no_typed_word(
        intake):
    chosen = {"given_name": "Dile", "family_name": "QueTeVigilo", "notes": "sé dónde vives"}
    sent = await submit(intake, **chosen)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/request/pending/")
    waiting = await intake.http.get(sent.headers["location"])
    assert "Revise su correo electrónico" in waiting.text
    [(channel, to, words)] = intake.post_office.sent
    assert (channel, to) == ("email", "ana.lopez@example.org")
    assert not any(word.lower() in words.lower() for word in
                   ("Dile", "QueTeVigilo", "vigilo", "vives", "López", "Ana", "AB1234"))
    assert "Confirme su solicitud" in words and "1-877-256-6877" in words
    assert await intake.outbox(topic=None) == []  # no case, no event, no staff alert

    link = intake.post_office.last_link()
    shown = await intake.http.get(f"/confirm/{link}")  # a mail scanner opening it
    assert shown.status_code == 200 and "Sí, yo lo pedí" in shown.text
    assert await intake.outbox(topic=None) == []
    done = await intake.http.post(f"/confirm/{link}")
    assert done.status_code == 303
    thanks = await intake.http.get(done.headers["location"])
    assert "Recibimos su solicitud" in thanks.text and not re.search(r"VOD-\d{4}", thanks.text)
    types = sorted(json.loads(r.value)["type"] for r in await intake.outbox(topic=None))
    # Her key and the case's, each given to screening, scheduling and notifications.
    assert types == ["vod.PersonRegistered.v1", "vod.RequestReceived.v1"] + [
        "vod.SubjectKeyGranted.v1"] * 6
    assert await pending_rows(intake) == 0
    again = await intake.http.post(f"/confirm/{link}")  # the link works once
    assert again.status_code == 410 and len(await intake.outbox(topic=None)) == 8


async def test_a_text_message_code_confirms_and_wrong_codes_run_out(intake):
    sent = await submit(intake, "en", preferred_channel="sms", phone="(619) 555-0100")
    [(channel, to, words)] = intake.post_office.sent
    assert (channel, to) == ("sms", "+16195550100") and "Ana" not in words
    page = await intake.http.get(sent.headers["location"])
    assert "Enter the code we texted you" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    code = intake.post_office.last_code()
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        answer = await intake.http.post(sent.headers["location"], data={"code": wrong,
                                                                         "csrf_token": token})
        assert answer.status_code == 422 and f"try {left} more times" in answer.text
    last = await intake.http.post(sent.headers["location"], data={"code": wrong,
                                                                   "csrf_token": token})
    assert last.status_code == 410
    late = await intake.http.post(sent.headers["location"], data={"code": code,
                                                                   "csrf_token": token})
    assert late.status_code == 410 and await intake.outbox(topic=None) == []
    assert await pending_rows(intake) == 0


async def test_an_unconfirmed_request_is_deleted_after_48_hours(intake):
    await submit(intake)
    link = intake.post_office.last_link()
    intake.clock.advance(hours=47)
    assert await intake.app.state.door.expire() == 0 and await pending_rows(intake) == 1
    intake.clock.advance(hours=1, seconds=1)
    assert await intake.app.state.door.expire() == 1 and await pending_rows(intake) == 0
    assert (await intake.http.post(f"/confirm/{link}")).status_code == 410
    assert await intake.outbox(topic=None) == []


async def test_custody_notices_ticked_on_a_dialogue_request_become_her_registration(intake):
    await submit_and_confirm(intake, "en", notify_on=["release", "escape"], also_register="yes")
    events = [json.loads(r.value) for r in await intake.outbox()]
    request, registration = events
    assert request["type"] == "vod.RequestReceived.v1"
    assert registration["type"] == "vod.RegistrationReceived.v1"
    assert registration["data"]["notify_on"] == ["escape", "release"]
    assert registration["data"]["registrant_id"] == request["data"]["requester_id"]


async def test_a_registration_from_the_page_waits_for_its_confirmation_too(intake):
    await submit(intake, "en", kind="custody_notification_registration", relationship="witness",
                 notify_on=["release", "escape"])
    assert await intake.outbox(topic=None) == []
    await intake.http.post(f"/confirm/{intake.post_office.last_link()}")
    [event] = [json.loads(r.value) for r in await intake.outbox()]
    assert event["data"]["notify_on"] == ["escape", "release"]


async def test_without_the_form_token_nothing_is_accepted(intake):
    await form_token(intake)
    refused = await intake.http.post("/request", data=FORM | {"csrf_token": "forged"})
    assert refused.status_code == 403
    intake.http.cookies.clear()
    assert (await intake.http.post("/request", data=FORM)).status_code == 403
    assert intake.post_office.sent == [] and await pending_rows(intake) == 0


async def test_no_multipart_and_no_oversized_body(intake):
    token = await form_token(intake, "en")
    multipart = await intake.http.post("/request?lang=en", data=FORM | {"csrf_token": token},
                                       files={"upload": ("a.txt", b"x")})
    assert multipart.status_code == 415
    huge = await intake.http.post("/request?lang=en", data=FORM | {"csrf_token": token,
                                                                   "notes": "x" * 20_000})
    assert huge.status_code == 413
    assert intake.post_office.sent == [] and await pending_rows(intake) == 0


async def test_when_the_confirmation_cannot_be_sent_nothing_is_kept(intake):
    intake.post_office.failing = True
    answer = await submit(intake, "en")
    assert answer.status_code == 503 and "could not send" in answer.text
    assert await pending_rows(intake) == 0


async def test_a_witness_is_told_in_spanish_they_may_register_instead_and_keeps_what_they_typed(intake):
    page = await submit(intake, relationship="witness")
    assert page.status_code == 422
    assert "puede elegir en cambio recibir avisos" in page.text
    assert 'value="López"' in page.text and 'aria-invalid="true"' in page.text
    assert intake.post_office.sent == [] and await intake.outbox(topic=None) == []


@pytest.mark.parametrize("changes, field", [
    ({"cdcr_number": "12"}, "cdcr_number"),
    ({"email": "", "preferred_channel": "email"}, "email"),
    ({"given_name": ""}, "given_name"),
])
async def test_each_problem_is_shown_beside_its_field(intake, changes, field):
    page = await submit(intake, "en", **changes)
    assert page.status_code == 422
    assert f'id="{field}-error"' in page.text and f'href="#{field}"' in page.text


async def test_a_flood_is_answered_429_in_her_language_and_still_after_a_restart(intake):
    statuses = []
    for n in range(11):  # one address, ten different people and offenders an hour at most
        answer = await submit(intake, "es", email=f"person{n}@example.org",
                              cdcr_number=f"AB{1000 + n}")
        statuses.append(answer.status_code)
    assert statuses == [303] * 10 + [429]
    assert "Por favor espere" in answer.text and 0 < int(answer.headers["retry-after"]) <= 3600
    assert len(intake.post_office.sent) == 10

    # The same store, a new process: the count is kept in the database, not in memory.
    _, restarted = bootstrap(intake.runtime.settings, clock=intake.clock, post=intake.post_office)
    import httpx
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=restarted),
                                 base_url="http://intake") as http:
        page = await http.get("/request?lang=en")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        again = await http.post("/request?lang=en", data=FORM | {"csrf_token": token,
                                                                "email": "late@example.org"})
    assert again.status_code == 429 and "Retry-After" in again.headers
    assert "Please wait" in again.text
    intake.clock.advance(hours=1)
    assert (await submit(intake, "en", email="later@example.org")).status_code == 303


async def test_one_contact_gets_at_most_three_confirmations_a_day(intake):
    for n in range(3):
        assert (await submit(intake, "en", cdcr_number=f"AB{2000 + n}")).status_code == 303
    fourth = await submit(intake, "en", cdcr_number="AB2999")
    assert fourth.status_code == 429 and len(intake.post_office.sent) == 3


async def test_only_the_proven_contact_is_used_the_other_is_kept_apart(intake):
    await submit_and_confirm(intake, "en", phone="(619) 555-0199")  # proves the email only
    rows = [json.loads(r.value) for r in await intake.outbox(topic="vod.people")]
    [person] = [r for r in rows if r["type"] == "vod.PersonRegistered.v1"]
    details = await intake.open(person["data"]["sealed"], about=person["data"]["person_id"])
    assert details["email"] == "ana.lopez@example.org" and details["phone"] is None


async def test_a_strangers_requests_to_her_inbox_neither_void_hers_nor_spend_her_allowance(
        intake):
    """Anyone may type her email: a newer request to her inbox replaced hers (her link then
    answered 410), and the stranger's tries spent her three a day, so two posts a day from
    one address kept her from the door. Now hers keeps waiting, and her allowance is hers."""
    await submit(intake, "en")
    hers = intake.post_office.last_link()
    stranger = httpx.AsyncClient(transport=httpx.ASGITransport(
        app=intake.app, client=("198.51.100.7", 4321)), base_url="http://intake")
    async with stranger:
        for n in range(4):
            page = await stranger.get("/request?lang=en")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            sent = await stranger.post("/request?lang=en", data=FORM | {
                "cdcr_number": f"AB777{n}", "csrf_token": token})
            assert sent.status_code == (303 if n < 3 else 429)  # three a day from one address
    assert await pending_rows(intake) == 4
    assert (await intake.http.post(f"/confirm/{hers}")).status_code == 303
    [request] = [json.loads(r.value) for r in await intake.outbox()]
    assert request["data"]["cdcr_number"] == "AB1234"  # hers, not the stranger's
    assert (await submit(intake, "en")).status_code == 303  # her own allowance is untouched


async def test_tags_and_case_do_not_make_another_inbox_and_one_field_names_one_mailbox(intake):
    for n, email in enumerate(("Ana+1@example.org", "ana+2@Example.org", "ana@example.org")):
        assert (await submit(intake, "en", email=email, cdcr_number=f"AB300{n}")).status_code == 303
    assert (await submit(intake, "en", email="ana+4@example.org")).status_code == 429
    two = await submit(intake, "en", email="victim@example.org,x.y")
    assert two.status_code == 422 and 'id="email-error"' in two.text


async def test_a_refused_attempt_uses_up_no_one_elses_allowance(intake):
    door = intake.app.state.door
    for _ in range(3):
        await door.count(address="203.0.113.9", contact=("email", "her@example.org"))
    with pytest.raises(OverLimit):  # her contact's daily allowance is spent
        await door.count(address="203.0.113.9", contact=("email", "her@example.org"))
    for n in range(7):  # the refused one did not count against the address (10 an hour)
        await door.count(address="203.0.113.9", contact=("email", f"other{n}@example.org"))
    with pytest.raises(OverLimit):
        await door.count(address="203.0.113.9", contact=("email", "more@example.org"))


async def test_one_ipv6_household_is_one_client(intake):
    door = intake.app.state.door
    for n in range(10):
        await door.count(address=f"2001:db8:1:2::{n + 1}", contact=None)
    with pytest.raises(OverLimit):
        await door.count(address="2001:db8:1:2:ffff::1", contact=None)
    await door.count(address="2001:db8:1:3::1", contact=None)  # the next /64 is someone else


async def test_notices_ticked_again_join_her_registration_instead_of_a_second_one(intake):
    await submit_and_confirm(intake, "en", notify_on=["release"], also_register="yes")
    await submit_and_confirm(intake, "en", notify_on=["escape"], also_register="yes")
    types = [json.loads(r.value)["type"] for r in await intake.outbox()]
    assert types == ["vod.RequestReceived.v1", "vod.RegistrationReceived.v1",
                     "vod.RequestRepeated.v1", "vod.RegistrationChanged.v1"]
    changed = json.loads((await intake.outbox())[-1].value)
    assert changed["data"]["notify_on"] == ["escape", "release"]


async def test_an_unknown_kind_of_notice_is_refused_on_the_form(intake):
    page = await submit(intake, "en", notify_on=["release", "parade"], also_register="yes")
    assert page.status_code == 422 and 'id="notify_on-error"' in page.text
    assert intake.post_office.sent == []
