"""The door's own messages in team mode (MESSAGES_MODE=team): a confirmation meant for a
real-looking address or phone goes to the team instead, marked a test; the address typed on the
form gets nothing. Sent to the project's mail and SMS catchers, as intake sends them."""
import pytest

from vod_devtools.catchers import Catchers
from vod_devtools.net import free_port
from vod_shared.team_mode import TEST_NOTE, team_mode

from intake.adapters.door_post import DoorMessage, DoorPost, NotSent, SmtpSettings


def _post(catchers: Catchers, *, phones: str = "+16195550999") -> DoorPost:
    return DoorPost(
        smtp=SmtpSettings(host="127.0.0.1", port=catchers.smtp_port, username=None,
                          password=None, starttls=False, sender="Victim Services <vs@x.invalid>"),
        sms_api_base=catchers.http_base, sms_account_sid="AC" + "0" * 32,
        sms_auth_token="token", sms_from="+15005550006",
        team=team_mode("team", "team.one@program.example", phones))


async def test_in_team_mode_the_doors_messages_go_to_the_team_marked_a_test(tmp_path):
    message = DoorMessage("Confirm your request", "Your code is 123456.")
    with Catchers(tmp_path, smtp_port=free_port(), http_port=free_port()) as catchers:
        post = _post(catchers)
        await post.email("ana.lopez1984@gmail.com", message, language="en")
        await post.sms("+12135550142", message)
        [mail], [text] = catchers.mail.read(), catchers.sms.read()

    assert mail["rcpt_tos"] == ["team.one@program.example"]
    assert mail["subject"] == "[TEST] Confirm your request"
    assert mail["text"].startswith(TEST_NOTE) and "123456" in mail["text"]
    assert "gmail" not in mail["raw"]
    assert (text["to"], text["body"]) == ("+16195550999", "[TEST] Your code is 123456.")


async def test_in_team_mode_without_a_team_phone_a_text_is_not_sent_to_anyone(tmp_path):
    with Catchers(tmp_path, smtp_port=free_port(), http_port=free_port()) as catchers:
        post = _post(catchers, phones="")
        with pytest.raises(NotSent):  # the page says so, as for any text not handed over
            await post.sms("+12135550142", DoorMessage("", "Your code is 123456."))
        assert catchers.sms.read() == []
