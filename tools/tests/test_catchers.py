"""The mail and SMS catchers, over real SMTP and HTTP on free ports."""

import base64
import json
import smtplib
import urllib.error
import urllib.parse
import urllib.request
from email.message import EmailMessage

import pytest

from vod_devtools.catchers import Catchers, MailStore
from vod_devtools.net import free_port

AUTH = "Basic " + base64.b64encode(b"AC123:token").decode()


@pytest.fixture
def catchers(tmp_path):
    lines: list[str] = []
    with Catchers(
        tmp_path / "catchers", smtp_port=free_port(), http_port=free_port(), notify=lines.append
    ) as c:
        c.lines = lines
        yield c


def _get(c: Catchers, path: str) -> tuple[int, str]:
    with urllib.request.urlopen(c.http_base + path, timeout=5) as r:
        return r.status, r.read().decode()


def _post_sms(c: Catchers, fields: dict, auth: str | None = AUTH) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{c.http_base}/2010-04-01/Accounts/AC123/Messages.json",
        data=urllib.parse.urlencode(fields).encode(),
        method="POST",
        headers={"Authorization": auth} if auth else {},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_mail_is_caught_and_listed(catchers):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = (
        "vod@example.org",
        "victim@example.org",
        "Your <dialogue>",
    )
    msg.set_content("plain words")
    msg.add_alternative("<p>html <b>words</b></p>", subtype="html")
    with smtplib.SMTP("127.0.0.1", catchers.smtp_port, timeout=5) as smtp:
        smtp.send_message(msg)

    status, body = _get(catchers, "/api/mail")
    [mail] = json.loads(body)
    assert status == 200
    assert mail["id"] == 1 and mail["subject"] == "Your <dialogue>"
    assert mail["mail_from"] == "vod@example.org" and mail["rcpt_tos"] == ["victim@example.org"]
    assert mail["text"].strip() == "plain words" and "<b>words</b>" in mail["html"]
    # The page escapes what it shows, and the console never shows addresses or subjects.
    _, page = _get(catchers, "/")
    assert "Your &lt;dialogue&gt;" in page and "<dialogue>" not in page
    assert catchers.lines == ["mail #1 received (subject withheld)"]
    # kept as it came; another reader of the file (a test's) reads the same parts out of it
    [again] = MailStore(catchers.data_dir / "mail.jsonl").read()
    assert again == mail and again["raw"].startswith("From: vod@example.org")


def test_sms_is_caught_like_twilio(catchers):
    status, reply = _post_sms(
        catchers,
        {"To": "+15005550006", "From": "+15005550001", "Body": "Your meeting is confirmed."},
    )
    assert status == 201
    assert reply["sid"].startswith("SM") and len(reply["sid"]) == 34
    assert reply["status"] == "queued" and reply["to"] == "+15005550006"

    _, body = _get(catchers, "/api/sms")
    [sms] = json.loads(body)
    assert sms["sid"] == reply["sid"] and sms["body"] == "Your meeting is confirmed."
    status, page = _get(catchers, "/sms")
    assert status == 200 and "Your meeting is confirmed." in page
    assert "+15005550006" not in "".join(catchers.lines)


def test_sms_errors_look_like_twilio(catchers):
    status, reply = _post_sms(catchers, {"From": "+15005550001", "Body": "hi"})
    assert status == 400 and reply["code"] == 21604 and reply["status"] == 400
    status, reply = _post_sms(catchers, {"To": "+1", "From": "+2", "Body": "hi"}, auth=None)
    assert status == 401
    assert json.loads(_get(catchers, "/api/sms")[1]) == []


def test_a_line_still_being_written_is_not_read_yet(tmp_path):
    """A test reads the catcher's file while a mail of some kilobytes is being written to it
    (once, a torn line failed a test with a JSON error)."""
    from vod_devtools.catchers import JsonlStore

    store = JsonlStore(tmp_path / "mail.jsonl")
    store.append({"subject": "first"})
    line = json.dumps({"id": 2, "subject": "second", "raw": "x" * 20_000})
    with store.path.open("a", encoding="utf-8") as f:
        f.write(line[:8192])
    assert [r["subject"] for r in store.read()] == ["first"]
    with store.path.open("a", encoding="utf-8") as f:
        f.write(line[8192:] + "\n")
    assert [r["subject"] for r in store.read()] == ["second", "first"]
