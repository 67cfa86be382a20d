"""The public door as a stranger would try it, over the real broker with the services as
processes and real SMTP and SMS catchers:
- a stranger who files first with a victim's phone cannot take her case: she gets her own
  acknowledgement, he hears nothing of her request, and staff see a possible duplicate;
- a request nobody confirms sends exactly one message, the confirmation, holding none of the
  words typed into the form, and puts nothing on any topic."""
import re

import httpx
import pytest

from vod_devtools.catchers import Catchers
from vod_devtools.net import free_port
from vod_devtools.staff_testing import add_staff, sign_in
from vod_devtools.testing import read_topic, read_topics, wait_until
from vod_shared.envelope import from_kafka
from vod_shared.staff import Role

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
HER_PHONE = "(619) 555-0142"
FORM = {"kind": "dialogue_request", "given_name": "Ana", "family_name": "Reyes",
        "relationship": "victim", "phone": HER_PHONE, "preferred_channel": "email",
        "preferred_language": "en", "state": "CA", "cdcr_number": "AB4321",
        "offender_given_name": "", "offender_family_name": "", "notes": ""}


def _env(service_env, catchers: Catchers, tmp_path, intake_url: str | None = None) -> dict:
    return service_env | {
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(catchers.smtp_port),
        "SMS_API_BASE": catchers.http_base, "SMS_AUTH_TOKEN": "e2e-sms-token",
        "VOD_STAFF_FILE": str(tmp_path / "staff.toml"),
        "STAFF_SESSION_SECRET": "door-tests-staff-session-secret-0123456789",
        "NOTIFICATIONS_SENDER_POLL_S": "0.2",
        **({"INTAKE_PUBLIC_URL": intake_url, "PUBLIC_BASE_URL": intake_url} if intake_url else {}),
    }


async def _submit(intake_url: str, **fields) -> None:
    """The public form, sent as a browser would (its page first, for the CSRF cookie)."""
    async with httpx.AsyncClient(base_url=intake_url, timeout=15) as browser:
        page = await browser.get("/request?lang=en")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        sent = await browser.post("/request?lang=en", data=FORM | fields | {"csrf_token": token})
        assert sent.status_code == 303, sent.text


def _mail_to(catchers: Catchers, address: str) -> list[dict]:
    return [m for m in catchers.mail.read() if address in m["rcpt_tos"]]


async def _confirm(intake_url: str, catchers: Catchers, address: str) -> None:
    """Follows the link in the confirmation sent to ``address`` and presses its button."""
    assert await wait_until(lambda: _mail_to(catchers, address), timeout=15)
    link = re.search(r"https?://\S+(/confirm/\S+)", _mail_to(catchers, address)[-1]["text"])
    async with httpx.AsyncClient(base_url=intake_url, timeout=15) as browser:
        link = link.group(1)  # PUBLIC_BASE_URL is the default here; the service's port is not
        assert (await browser.get(link)).status_code == 200  # opening it changes nothing
        assert (await browser.post(link)).status_code == 303


async def test_a_stranger_with_her_phone_cannot_take_her_case(
        service_env, processes, kafka_bootstrap, topic_prefix, tmp_path, database_url_factory):
    with Catchers(tmp_path / "catchers", smtp_port=free_port(), http_port=free_port()) as catchers:
        env = _env(service_env, catchers, tmp_path)
        # Intake on SQLite and on PostgreSQL: the door's counters, codes and rows on both.
        intake = processes("intake", env | {"INTAKE_DATABASE_URL": database_url_factory("intake")},
                           wait=False)
        screening = processes("screening", env, wait=False)
        notifications = processes("notifications", _env(service_env, catchers, tmp_path,
                                                        intake.url), wait=False)
        for process in (intake, screening, notifications):
            process.wait_healthy(90.0)

        await _submit(intake.url, email="stranger@example.net")
        await _confirm(intake.url, catchers, "stranger@example.net")
        await _submit(intake.url, email="ana.reyes@example.org")
        await _confirm(intake.url, catchers, "ana.reyes@example.org")

        intake_events = [from_kafka(r.value) for r in await read_topic(
            kafka_bootstrap, f"{topic_prefix}vod.intake", at_least=3, settle=1.0)]
        his, hers = sorted((e for e in intake_events if e.type == "vod.RequestReceived.v1"),
                           key=lambda e: e.data.received_at)  # partitions keep no common order
        [duplicate] = [e for e in intake_events if e.type == "vod.PossibleDuplicateFound.v1"]
        assert his.subject != hers.subject
        assert (duplicate.data.case_id, duplicate.data.other_case_id) == (hers.subject, his.subject)

        def acknowledged(address: str, reference: str) -> bool:
            return any(reference in (m["text"] or "") for m in _mail_to(catchers, address))

        # She is answered at her own address, with her own case's reference.
        assert await wait_until(lambda: acknowledged("ana.reyes@example.org",
                                                     hers.data.reference), timeout=30)
        assert not acknowledged("ana.reyes@example.org", his.data.reference)
        # He hears nothing of her request: nothing to him names her case.
        assert await wait_until(lambda: acknowledged("stranger@example.net", his.data.reference))
        assert not any(hers.data.reference in (m["text"] or "") or hers.subject in (m["raw"])
                       for m in _mail_to(catchers, "stranger@example.net"))
        assert catchers.sms.read() == []  # neither chose text messages

        # Staff see a possible duplicate in screening's work queue.
        screener = add_staff(tmp_path / "staff.toml", "rosa", Role.SCREENER)
        async with httpx.AsyncClient(base_url=screening.url, timeout=15) as staff:
            await sign_in(staff, screener)

            async def flagged() -> list:
                queue = (await staff.get("/api/queue", params={"possible_duplicate": "true"})).json()
                return [item["reference"] for item in queue["items"]]
            assert await wait_until(lambda: _awaitable(flagged, hers.data.reference), timeout=30)


async def _awaitable(flagged, reference: str) -> bool:
    return reference in await flagged()


async def test_a_request_nobody_confirms_sends_only_the_confirmation_and_no_event(
        service_env, processes, kafka_bootstrap, topic_prefix, tmp_path):
    with Catchers(tmp_path / "catchers", smtp_port=free_port(), http_port=free_port()) as catchers:
        intake = processes("intake", _env(service_env, catchers, tmp_path))
        chosen = ("Mensaje", "TeEstoyViendo", "I know where you live")
        await _submit(intake.url, email="victim@example.org", given_name=chosen[0],
                      family_name=chosen[1], notes=chosen[2])
        await _submit(intake.url, preferred_channel="sms", email="", given_name=chosen[0],
                      family_name=chosen[1], notes=chosen[2])
        assert await wait_until(lambda: catchers.mail.read() and catchers.sms.read(), timeout=15)
        [mail], [sms] = catchers.mail.read(), catchers.sms.read()
        assert mail["rcpt_tos"] == ["victim@example.org"]
        assert sms["to"] == "+16195550142" and re.search(r"\b\d{6}\b", sms["body"])
        words = (mail["raw"] + sms["body"]).lower()
        assert not any(word.lower() in words for word in chosen + ("AB4321",))
        assert await read_topics(kafka_bootstrap, [f"{topic_prefix}{topic}" for topic in (
            "vod.intake", "vod.people")], at_least=1, timeout=3.0) == []
