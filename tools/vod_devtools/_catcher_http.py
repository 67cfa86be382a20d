"""The catchers' HTTP side: a Twilio-compatible "create message" endpoint, the pages and the JSON
API. Stdlib `http.server`: one thread per request is plenty for a developer's browser."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from vod_devtools._catcher_pages import render_mail, render_sms

if TYPE_CHECKING:
    from vod_devtools.catchers import JsonlStore

SMS_PATH = ("2010-04-01", "Accounts", "Messages.json")  # /2010-04-01/Accounts/{sid}/Messages.json


def utc_now() -> datetime:
    return datetime.now(UTC)


def _twilio_error(code: int, message: str, status: int = 400) -> tuple[int, dict]:
    return status, {
        "code": code,
        "message": message,
        "status": status,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
    }


class _HttpHandler(BaseHTTPRequestHandler):
    server: CatcherHttpServer
    protocol_version = "HTTP/1.1"  # keep-alive, as a provider's API: every answer has a length

    def log_message(self, format: str, *args) -> None:
        pass  # access lines would be noise next to the one-line-per-message output

    def _send(self, status: int, body: str | dict, content_type: str = "application/json") -> None:
        data = json.dumps(body, ensure_ascii=False) if isinstance(body, dict | list) else body
        payload = data.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        if status >= 400:  # the request's body may be unread: this connection ends here
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/") or "/"
        mail, sms = self.server.mail, self.server.sms
        routes = {
            "/": lambda: (200, render_mail(mail.read()), "text/html"),
            "/sms": lambda: (200, render_sms(sms.read()), "text/html"),
            "/api/mail": lambda: (200, mail.read(), "application/json"),
            "/api/sms": lambda: (200, sms.read(), "application/json"),
        }
        if path not in routes:
            return self._send(404, {"message": "not found", "status": 404})
        status, body, content_type = routes[path]()
        self._send(status, body, content_type)

    def do_POST(self) -> None:
        parts = self.path.split("?", 1)[0].strip("/").split("/")
        if len(parts) != 4 or (parts[0], parts[1], parts[3]) != SMS_PATH:
            return self._send(404, {"message": "not found", "status": 404})
        status, body = self._create_sms(account_sid=parts[2])
        self._send(status, body)

    def _create_sms(self, account_sid: str) -> tuple[int, dict]:
        # Twilio answers 401 without HTTP basic credentials; we accept any, and never store them.
        if not self.headers.get("Authorization", "").startswith("Basic "):
            return _twilio_error(20003, "Authenticate", status=401)
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode("utf-8")).items()}
        sender = form.get("From") or form.get("MessagingServiceSid")
        if not form.get("To"):
            return _twilio_error(21604, "A 'To' phone number is required.")
        if not sender:
            return _twilio_error(21603, "A 'From' phone number is required.")
        if not form.get("Body"):
            return _twilio_error(21602, "Message body is required.")
        sid, now = "SM" + secrets.token_hex(16), format_datetime(utc_now())
        message = {
            "sid": sid,
            "account_sid": account_sid,
            "api_version": "2010-04-01",
            "to": form["To"],
            "from": form.get("From"),
            "body": form["Body"],
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "status": "queued",
            "direction": "outbound-api",
            "num_segments": "1",
            "num_media": "0",
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "price": None,
            "price_unit": "USD",
            "error_code": None,
            "error_message": None,
            "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json",
        }
        # Where the sender asked to hear what became of the message (Twilio's StatusCallback;
        # not part of Twilio's answer, kept so a test or a developer can post the callback)
        record = self.server.sms.append({"received_at": utc_now().isoformat(), **message,
                                         "status_callback": form.get("StatusCallback")})
        self.server.notify(f"sms #{record['id']} received ({sid}, body withheld)")
        return 201, message


class CatcherHttpServer(ThreadingHTTPServer):
    daemon_threads = True  # a slow browser tab must not block shutdown
    # A sender with dozens of texts in flight connects dozens of times at once: with the
    # default backlog of 5 the kernel drops some after the request went out (to the sender:
    # no answer, the outcome unknown)
    request_queue_size = 128

    def __init__(self, address, mail: JsonlStore, sms: JsonlStore, notify) -> None:
        super().__init__(address, _HttpHandler)
        self.mail, self.sms, self.notify = mail, sms, notify
