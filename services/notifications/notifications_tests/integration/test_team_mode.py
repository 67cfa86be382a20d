"""Team mode (MESSAGES_MODE=team), as the service runs: a request from a real-looking address
and phone sends nothing to either; the team's addresses and phone get each message instead,
marked a test. Over the real broker, to the project's mail and SMS catchers."""
import pytest

from vod_devtools.catchers import Catchers
from vod_devtools.net import free_port
from vod_devtools.testing import wait_until
from vod_shared.team_mode import TEST_NOTE

from ..support import new_id, request
from .test_over_kafka_with_catchers import (
    _people,
    _publish,
    _settings,
    daytime_in_california,
    running,
)

pytestmark = pytest.mark.integration
TEAM = {"MESSAGES_MODE": "team", "TEAM_EMAILS": "team.one@program.example, team.two@program.example",
        "TEAM_PHONES": "+16195550999"}


async def test_in_team_mode_her_real_address_gets_nothing_and_the_team_gets_a_marked_test(
        kafka_bootstrap, topic_prefix, tmp_path):
    with Catchers(tmp_path / "catchers", smtp_port=free_port(), http_port=free_port()) as catchers:
        settings = _settings(kafka_bootstrap, topic_prefix,
                             f"sqlite+aiosqlite:///{tmp_path / 'n.db'}", tmp_path,
                             smtp_port=catchers.smtp_port, sms_base=catchers.http_base, **TEAM)
        clock = daytime_in_california()  # a text is not held for the night
        by_mail, by_text, mail_case, text_case = new_id(), new_id(), new_id(), new_id()
        async with running(settings, clock=clock):
            await _people(kafka_bootstrap, settings, clock,
                          (by_mail, {"email": "ana.lopez1984@gmail.com"}),
                          (by_text, {"phone": "+12135550142", "preferred_channel": "sms",
                                     "email": None}))
            await _publish(kafka_bootstrap, settings.topics.intake,
                           (request(mail_case, by_mail, at=clock(), reference="VOD-2026-000901"),
                            mail_case),
                           (request(text_case, by_text, at=clock(), channel="sms",
                                    reference="VOD-2026-000902"), text_case))
            assert await wait_until(lambda: len(catchers.mail.read()) >= 2
                                    and catchers.sms.read(), timeout=30)
            await wait_until(lambda: False, timeout=1.5)  # anything more would show by now
        mails, texts = catchers.mail.read(), catchers.sms.read()

    assert sorted(r for m in mails for r in m["rcpt_tos"]) == [
        "team.one@program.example", "team.two@program.example"]
    for mail in mails:
        assert mail["subject"] == "[TEST] We received your request for a dialogue (VOD-2026-000901)"
        assert mail["text"].startswith(TEST_NOTE) and TEST_NOTE in mail["html"]
        assert "gmail" not in mail["raw"]
    [text] = texts
    assert text["to"] == "+16195550999"
    assert text["body"].startswith("[TEST] VOD-2026-000902")
