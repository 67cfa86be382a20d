"""The public request page: English and Spanish, no JavaScript needed, same rules as the webhook."""
import json
import re

import pytest

from intake.entrypoints.i18n import TEXT

FORM = {"kind": "dialogue_request", "given_name": "Ana", "family_name": "López",
        "relationship": "victim", "email": "ana.lopez@example.org", "phone": "",
        "preferred_channel": "email", "preferred_language": "es", "state": "NV",
        "cdcr_number": "ab1234", "offender_given_name": "", "offender_family_name": "",
        "notes": ""}


async def _form(intake, lang="es") -> str:
    page = await intake.http.get(f"/request?lang={lang}")
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_every_word_exists_in_both_languages():
    assert set(TEXT["en"]) == set(TEXT["es"])


async def test_the_page_is_in_spanish_with_a_quick_exit_and_a_label_for_every_field(intake):
    page = await intake.http.get("/request?lang=es")
    assert '<html lang="es">' in page.text and "Salir de esta página ya" in page.text
    assert 'href="?lang=en"' in page.text  # the language switch
    ids = re.findall(r'<(?:input|select|textarea)[^>]* id="([^"]+)"', page.text)
    assert ids and all(f'for="{i}"' in page.text for i in ids)
    assert "<script" not in page.text.split("</main>")[0]  # the form itself needs no JavaScript


async def test_a_request_sent_from_the_page_opens_a_case_and_its_reference_goes_by_message(intake):
    token = await _form(intake)
    done = await intake.http.post("/request?lang=es", data=FORM | {"csrf_token": token})
    assert done.status_code == 200 and "Recibimos su solicitud" in done.text
    [event] = [json.loads(r.value) for r in await intake.outbox()]
    assert event["data"]["source"] == "web_form"
    # The page does not say whether a case existed already: the same answer either way.
    again = await intake.http.post("/request?lang=es", data=FORM | {"csrf_token": token})
    assert again.text == done.text and not re.search(r"VOD-\d{4}-\d{6}", done.text)


async def test_without_the_form_token_nothing_is_accepted(intake):
    await _form(intake)
    refused = await intake.http.post("/request", data=FORM | {"csrf_token": "forged"})
    assert refused.status_code == 403
    intake.http.cookies.clear()
    assert (await intake.http.post("/request", data=FORM)).status_code == 403
    assert await intake.outbox(topic=None) == []


async def test_a_witness_is_told_in_spanish_they_may_register_instead_and_keeps_what_they_typed(intake):
    token = await _form(intake)
    page = await intake.http.post("/request?lang=es", data=FORM | {
        "csrf_token": token, "relationship": "witness"})
    assert page.status_code == 422
    assert "puede elegir en cambio recibir avisos" in page.text
    assert 'value="López"' in page.text and 'aria-invalid="true"' in page.text
    assert await intake.outbox(topic=None) == []


@pytest.mark.parametrize("changes, field", [
    ({"cdcr_number": "12"}, "cdcr_number"),
    ({"email": "", "preferred_channel": "email"}, "email"),
    ({"given_name": ""}, "given_name"),
])
async def test_each_problem_is_shown_beside_its_field(intake, changes, field):
    token = await _form(intake, "en")
    page = await intake.http.post("/request?lang=en", data=FORM | changes | {"csrf_token": token})
    assert page.status_code == 422
    assert f'id="{field}-error"' in page.text and f'href="#{field}"' in page.text


async def test_a_registration_from_the_page(intake):
    token = await _form(intake, "en")
    data = FORM | {"csrf_token": token, "kind": "custody_notification_registration",
                   "relationship": "witness", "notify_on": ["release", "escape"]}
    done = await intake.http.post("/request?lang=en", data=data)
    assert done.status_code == 200 and "You are registered" in done.text
    [event] = [json.loads(r.value) for r in await intake.outbox()]
    assert event["data"]["notify_on"] == ["escape", "release"]
