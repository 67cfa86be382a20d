"""The public form as a person meets it: every problem in one answer, in her language, saying
what is expected; custody notices on a dialogue request only with the tick that says they make a
registration; a confirmation page that says exactly what was made and what happens next."""
import json
import re
from html import unescape

from intake.entrypoints.i18n import TEXT

from .test_public_pages import FORM, form_token, submit, submit_and_confirm

EMPTY = {name: "" for name in FORM} | {"preferred_channel": "email", "kind": "dialogue_request",
                                        "preferred_language": "en"}


def _errors(page) -> dict[str, str]:
    """The error summary's lines: field id -> what it says."""
    found = re.findall(r'<li><a href="#([^"]+)">[^<]*</a>: ([^<]+)</li>', page.text)
    return {name: unescape(words) for name, words in found}


async def test_an_empty_form_shows_every_problem_at_once_saying_what_is_expected(intake):
    token = await form_token(intake, "en")
    page = await intake.http.post("/request?lang=en", data=EMPTY | {"csrf_token": token})
    assert page.status_code == 422
    t = TEXT["en"]
    assert _errors(page) == {
        "given_name": t["expect_given_name"], "family_name": t["expect_family_name"],
        "relationship": t["expect_relationship"], "email": t["email_needed"],
        "cdcr_number": t["expect_cdcr"]}
    assert "name@example.com" in t["email_needed"] and "AB1234" in t["expect_cdcr"]
    assert intake.post_office.sent == []


async def test_the_problems_are_in_spanish_on_the_spanish_page(intake):
    token = await form_token(intake, "es")
    page = await intake.http.post("/request?lang=es", data=EMPTY | {"csrf_token": token})
    errors = _errors(page)
    assert len(errors) == 5
    assert errors["cdcr_number"].startswith("Una letra y cinco números")
    assert errors["email"] == TEXT["es"]["email_needed"]


async def test_each_badly_written_field_is_named_with_its_format(intake):
    page = await submit(intake, "en", email="ana@", phone="12", state="ZZ", cdcr_number="123",
                        relationship="other")
    t = TEXT["en"]
    assert _errors(page) == {"relationship": t["only_victims_request"],
                             "email": t["expect_email"], "phone": t["expect_phone"],
                             "state": t["expect_state"], "cdcr_number": t["expect_cdcr"]}
    assert 'value="ana@"' in page.text  # what she typed stays
    assert intake.post_office.sent == []


async def test_notices_on_a_dialogue_request_need_the_tick_that_makes_them_a_registration(intake):
    page = await submit(intake, "en", notify_on=["release", "transfer"])
    assert page.status_code == 422
    assert _errors(page) == {"notify_on": TEXT["en"]["tick_also_register"]}
    assert re.search(r'value="release"\s+aria-describedby="notice-release-hint" checked', page.text)
    ticked_alone = await submit(intake, "en", also_register="yes")
    assert _errors(ticked_alone) == {"notify_on": TEXT["en"]["choose_a_notice"]}
    assert intake.post_office.sent == []


async def test_the_confirmation_says_exactly_what_was_made_and_what_happens_next(intake):
    done = await submit_and_confirm(intake, "en", notify_on=["transfer", "release"],
                                    also_register="yes", preferred_language="en")
    events = [json.loads(r.value)["type"] for r in await intake.outbox()]
    assert events == ["vod.RequestReceived.v1", "vod.RegistrationReceived.v1"]
    page = await intake.http.get(done.headers["location"])
    made = page.text.split('<ul id="made">')[1].split("</ul>")[0]
    assert "A dialogue with the person who caused the harm." in made
    assert "Custody notices (your registration): Release, Transfer to another prison." in made
    assert "between 9 p.m. and 8 a.m." in page.text  # texts wait for the morning
    assert "Who sees what you write here" in page.text
    assert not re.search(r"VOD-\d{4}", page.text)


async def test_a_registration_alone_is_confirmed_as_one_and_a_forged_summary_says_nothing(intake):
    done = await submit_and_confirm(intake, "es", kind="custody_notification_registration",
                                    relationship="witness", notify_on=["contract"])
    page = await intake.http.get(done.headers["location"])
    assert "Avisos de custodia (su registro): Ubicación en un centro bajo contrato." in page.text
    assert "Un diálogo con la persona" not in page.text.split('<ul id="made">')[1]
    forged = done.headers["location"].replace("registration.contract", "dialogue.contract")
    assert '<ul id="made">' not in (await intake.http.get(forged)).text


async def test_the_quick_exit_answers_the_escape_key(intake):
    page = await intake.http.get("/request")
    assert 'aria-keyshortcuts="Escape"' in page.text and 'e.key === "Escape"' in page.text
    assert "or press Esc" in page.text
