"""The SMS API and the mail server misbehaving on cue, in front of the catchers: an SMS API that
answers 503, 429 with Retry-After, slowly, never, or only after the client gave up; a mail server
that answers 451 ("try again later") or 550 (never). Each call is noted with its time, so a test
can tell whether the sender waited as it was asked to, and with the status callback address the
sender gave (so a test can play the provider reporting what became of a text)."""
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import httpx

from vod_devtools.net import free_port


class _Server(ThreadingHTTPServer):
    # A provider's API takes dozens of connections at once (the sender has up to
    # NOTIFICATIONS_SENDER_CONCURRENCY texts in flight); with the default backlog of 5 the
    # kernel drops some after their request went out, which the sender rightly calls unknown
    request_queue_size = 128


@dataclass
class Call:
    at: float
    to: str
    answer: int  # 0: none was given
    callback: str | None = None  # the StatusCallback the sender asked for
    sid: str | None = None  # the message id, when the text reached the catcher


class SmsApi:
    """``mode``: "ok" (the catcher takes it), "503", "429" (with ``retry_after``), "slow"
    (the catcher takes it after ``delay`` seconds), "late" (the catcher takes it at once, and
    the answer comes ``delay`` seconds later), "hang" (no answer, until the API is closed; the
    text goes nowhere). ``mode_for``, if set, gives the mode for each number instead."""

    def __init__(self, catcher_base: str) -> None:
        self.catcher_base, self.mode, self.delay, self.retry_after = catcher_base, "ok", 0.0, 3
        self.mode_for: Callable[[str], str] | None = None
        self.released = threading.Event()  # set on close: a hanging call ends unanswered
        self.calls: list[Call] = []
        self.started = 0
        self.port = free_port()
        self._server = _Server(("127.0.0.1", self.port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "SmsApi":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                form = parse_qs(body.decode())
                to = form.get("To", [""])[0]
                callback = form.get("StatusCallback", [None])[0]
                mode = api.mode_for(to) if api.mode_for else api.mode
                api.started += 1
                if mode == "hang":
                    api.calls.append(Call(time.monotonic(), to, 0, callback))
                    api.released.wait(600)
                    self.close_connection = True
                    return
                if mode in ("503", "429"):
                    api.calls.append(Call(time.monotonic(), to, int(mode)))
                    self.send_response(int(mode))
                    if mode == "429":
                        self.send_header("Retry-After", str(api.retry_after))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if mode == "slow":
                    time.sleep(api.delay)
                answer = httpx.post(f"{api.catcher_base}{self.path}", content=body, timeout=10,
                                    headers={k: v for k, v in self.headers.items()
                                             if k.lower() in ("authorization", "content-type")})
                sid = answer.json().get("sid") if answer.status_code < 300 else None
                api.calls.append(Call(time.monotonic(), to, answer.status_code, callback, sid))
                if mode == "late":  # taken, but the client hears so only after it gave up
                    time.sleep(api.delay)
                try:
                    self.send_response(answer.status_code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer.content)))
                    self.end_headers()
                    self.wfile.write(answer.content)
                except OSError:  # the client is gone
                    self.close_connection = True

        return Handler


class FlakyMail:
    """Wraps the mail catcher's handler: while ``failing``, every message (or only those to an
    address ``refuse_to`` accepts) is answered ``reply`` (by default 451, "try again later")."""

    def __init__(self, inner) -> None:
        self.inner, self.failing, self.refused = inner, False, 0
        self.reply = "451 4.3.0 Mail server busy, try again later"
        self.refuse_to: Callable[[str], bool] = lambda address: True
        self.refused_to: list[str] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.failing and any(map(self.refuse_to, envelope.rcpt_tos)):
            self.refused += 1
            self.refused_to.extend(envelope.rcpt_tos)
            return self.reply
        return await self.inner.handle_DATA(server, session, envelope)

    @classmethod
    def install(cls, catchers) -> "FlakyMail":
        flaky = cls(catchers.smtp.handler)
        catchers.smtp.handler = flaky  # each new connection is served by the current handler
        return flaky
