"""The victim's own link, to pause or withdraw at any time, in the emails about her case: one
that intake's VictimLinks accepts for that case and person; in a registration's emails, one to
her own page that names no case. Never in a text."""
import json
import re

import pytest
from structlog.testing import capture_logs

from vod_shared.events import CasePaused
from vod_shared.victim_links import VictimLinks

from notifications.bootstrap import victim_links
from notifications.config import Settings

from ..support import INTAKE_URL, LINK_SECRET, custody, new_id, registration, request

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
    links = VictimLinks(LINK_SECRET)
    link = links.read(token)
    assert (link.case_id, link.person_id) == (case, person)
    assert f'href="{INTAKE_URL}/v/{token}"' in html
    # It names the address it went to (by a mark): it opens only while that address is hers
    assert links.still_theirs(link, mail["to"]) and not links.still_theirs(link, "x@example.org")
    assert mail["to"] not in json.dumps(links._serializer.loads(token))  # signed, not hidden


async def test_a_pause_confirmation_links_to_resume_in_spanish_and_a_text_has_no_link(
        configured, clock):
    person, case = new_id(), new_id()
    await configured.person(person, preferred_language="es", preferred_channel="sms")
    await configured.deliver(request(case, person, language="es", channel="sms", at=clock()),
                             subject=case)
    await configured.send_due()
    assert "/v/" not in configured.sms.sent[0]["message"]

    other_case, by_mail = new_id(), new_id()
    await configured.person(by_mail, preferred_language="es", preferred_channel="email")
    await configured.deliver(request(other_case, by_mail, language="es", at=clock()),
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


@pytest.mark.parametrize(("intake_url", "problem"), [
    ("http://localhost:8001", "local"),  # the default, as ``make run`` leaves it
    ("https://127.0.0.1:8443", "local"),
    ("http://intake.example.gov", "not_https"),
    ("https://intake.example.gov", None),
])
def test_links_no_victim_could_open_are_warned_of_at_start_not_refused(intake_url, problem):
    settings = Settings(VICTIM_LINK_SECRET=LINK_SECRET, INTAKE_PUBLIC_URL=intake_url)
    with capture_logs() as logs:
        links = victim_links(settings)
    assert links.url("case-1", "person-1").startswith(intake_url.rstrip("/") + "/v/")
    warned = [entry for entry in logs if entry["event"] == "victim_links.unreachable"]
    assert [(w["log_level"], w["problem"], w["intake_public_url"]) for w in warned] == (
        [("warning", problem, intake_url)] if problem else [])
    assert all("INTAKE_PUBLIC_URL" in w["hint"] for w in warned)


async def test_a_custody_notice_email_links_to_her_own_page_without_a_case(configured, clock):
    """A registration is not a case: its emails carry a link that names only her, in her
    language; its texts none."""
    person, reg = new_id(), new_id()
    await configured.person(person, preferred_language="es")
    await configured.deliver(registration(reg, person, notify_on=["escape"], channel="email",
                                          language="es", at=clock()), subject=reg)
    await configured.deliver(custody("escape", at=clock(), status="escaped", facility=None),
                             subject="AB1234")
    await configured.send_due()
    acknowledged, escaped = (m["message"] for m in configured.email.sent)
    for mail in (acknowledged, escaped):
        words = " ".join(mail.text.split())
        assert "Para cambiar qué avisos de custodia recibe, o dejar de recibirlos" in words
        [token] = LINK.findall(mail.text)
        link = VictimLinks(LINK_SECRET).read(token)
        assert (link.case_id, link.person_id) == (None, person)
    [text] = configured.sms.sent  # the escape, urgent, by text as well
    assert "/v/" not in text["message"]
