"""The victim's own link, to pause or withdraw at any time, in the emails about her case: one
that intake's VictimLinks accepts for that case and person. Never in a text."""
import re

from vod_shared.events import CasePaused
from vod_shared.victim_links import VictimLinks

from ..support import INTAKE_URL, LINK_SECRET, new_id, request

LINK = re.compile(re.escape(INTAKE_URL) + r"/v/([A-Za-z0-9_.\-]+)")


async def test_the_acknowledgement_email_carries_her_own_link(configured, clock):
    person, case = new_id(), new_id()
    await configured.person(person)
    await configured.deliver(request(case, person, at=clock()), subject=case)
    await configured.send_due()
    [mail] = configured.email.sent
    text, html = mail["message"].text, mail["message"].html
    assert "To pause or withdraw your request at any time:" in text
    [token] = LINK.findall(text)
    link = VictimLinks(LINK_SECRET).read(token)
    assert (link.case_id, link.person_id) == (case, person)
    assert f'href="{INTAKE_URL}/v/{token}"' in html


async def test_a_pause_confirmation_links_to_resume_in_spanish_and_a_text_has_no_link(
        configured, clock):
    person, case = new_id(), new_id()
    await configured.person(person, preferred_language="es", preferred_channel="sms")
    await configured.deliver(request(case, person, language="es", channel="sms", at=clock()),
                             subject=case)
    await configured.send_due()
    assert "/v/" not in configured.sms.sent[0]["message"]

    other_case = new_id()
    await configured.deliver(request(other_case, person, language="es", at=clock()),
                             subject=other_case)
    await configured.deliver(CasePaused(case_id=other_case, by="victim", at=clock()),
                             subject=other_case)
    await configured.send_due()
    paused = configured.email.sent[-1]["message"]
    assert "desea reanudar o retirar su solicitud" in " ".join(paused.text.split())
    [token] = LINK.findall(paused.text)
    assert VictimLinks(LINK_SECRET).read(token).case_id == other_case


async def test_without_a_secret_the_line_is_left_out(harness, clock):
    person, case = new_id(), new_id()
    await harness.person(person)
    await harness.deliver(request(case, person, at=clock()), subject=case)
    await harness.send_due()
    [mail] = harness.email.sent
    assert "/v/" not in mail["message"].text and "withdraw your request" not in mail["message"].text
