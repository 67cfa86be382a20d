"""Local catchers, so a newcomer can see what the system sent without sending anything.

* SMTP on 127.0.0.1:1025 (CATCHER_SMTP_PORT): every message is kept, nothing is relayed.
* One HTTP server on 127.0.0.1:8025 (CATCHER_HTTP_PORT) serving
  - a Twilio-compatible `POST /2010-04-01/Accounts/{sid}/Messages.json` (SMS_API_BASE=http://127.0.0.1:8025),
  - the pages `GET /` (mail) and `GET /sms`, and `GET /api/mail`, `GET /api/sms` as JSON.
Each message is one JSON line in <VOD_DATA_DIR or ./var>/catchers/{mail,sms}.jsonl (a mail as it
came, ``raw``; its subject, text and html are added when it is read).

    python -m vod_devtools.catchers

`make run` starts them; the mail catcher is left out when SMTP_HOST / SMTP_PORT point at another
server, and the SMS API is not used when SMS_API_BASE points elsewhere (its pages still show
what was caught).

The console shows counts and ids only: messages carry victims' data (addresses, names, bodies).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from email import policy
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller

from vod_devtools._catcher_http import CatcherHttpServer, utc_now


def default_data_dir() -> Path:
    return Path(os.environ.get("VOD_DATA_DIR") or "var") / "catchers"


class JsonlStore:
    """Append-only JSON lines with sequential ids; shared by the SMTP and HTTP threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._count = len(self.read())  # ids keep counting across restarts

    def append(self, record: dict) -> dict:
        with self._lock:
            self._count += 1
            record = {"id": self._count, **record}
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
        return record

    def read(self) -> list[dict]:
        """All records written whole, newest first: a line still being written (a mail of some
        kilobytes goes to the file in pieces, and a reader need not hold the writer's lock, nor
        be in its process) is not one yet."""
        if not self.path.exists():
            return []
        whole, _, _being_written = self.path.read_text(encoding="utf-8").rpartition("\n")
        return [json.loads(line) for line in reversed(whole.split("\n")) if line.strip()]


class MailStore(JsonlStore):
    """The mail kept as it came (``raw``); its subject, text and html are read out of it when
    the mail is read, once per mail and store: parsing MIME as each mail arrives took ~2 ms of
    the 2 cores a burst of mail shares with the services that send it."""

    def __init__(self, path: Path) -> None:
        self._parsed: dict[int, dict] = {}
        super().__init__(path)

    def read(self) -> list[dict]:
        return [self._with_parts(record) for record in super().read()]

    def _with_parts(self, record: dict) -> dict:
        if "raw" not in record or "subject" in record:  # older lines were parsed as they came
            return record
        if (parts := self._parsed.get(record["id"])) is None:
            parts = self._parsed[record["id"]] = _parts(record["raw"])
        head = {k: v for k, v in record.items() if k != "raw"}
        return {**head, **parts, "raw": record["raw"]}


def _parts(raw: str) -> dict:
    msg = BytesParser(policy=policy.default).parsebytes(raw.encode("utf-8"))
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    return {"subject": str(msg.get("Subject", "")),
            "text": text.get_content() if text else None,
            "html": html.get_content() if html else None}


class _MailHandler:
    """aiosmtpd handler: keep the message, accept it."""

    def __init__(self, store: JsonlStore, notify: Callable[[str], None]) -> None:
        self.store, self.notify = store, notify

    async def handle_DATA(self, server, session, envelope) -> str:
        record = self.store.append(
            {
                "received_at": utc_now().isoformat(),
                "mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
                "raw": envelope.content.decode("utf-8", errors="replace"),
            }
        )
        self.notify(f"mail #{record['id']} received (subject withheld)")
        return "250 Message accepted for delivery"


class Catchers:
    """Both catchers in background threads: `start()`, `stop()` (also a context manager)."""

    def __init__(
        self,
        data_dir: Path | None = None,
        smtp_port: int = 1025,
        http_port: int = 8025,
        notify: Callable[[str], None] = lambda line: None,
        catch_mail: bool = True,
    ) -> None:
        self.data_dir = Path(data_dir) if data_dir else default_data_dir()
        self.smtp_port, self.http_port = smtp_port, http_port
        self.mail = MailStore(self.data_dir / "mail.jsonl")
        self.sms = JsonlStore(self.data_dir / "sms.jsonl")
        self.smtp = Controller(
            _MailHandler(self.mail, notify), hostname="127.0.0.1", port=smtp_port
        ) if catch_mail else None
        self.http = CatcherHttpServer(("127.0.0.1", http_port), self.mail, self.sms, notify)
        self._http_thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    @property
    def http_base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self) -> None:
        if self.smtp is not None:
            self.smtp.start()
        self._http_thread.start()

    def stop(self) -> None:
        self.http.shutdown()
        self.http.server_close()
        if self.smtp is not None:
            self.smtp.stop()

    def __enter__(self) -> Catchers:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _mail_comes_here(environ, catcher_port: int) -> bool:
    """Whether the services' mail (SMTP_HOST, SMTP_PORT) goes to this machine's catcher."""
    host = environ.get("SMTP_HOST", "localhost")
    port = int(environ.get("SMTP_PORT", catcher_port))
    return host in ("localhost", "127.0.0.1", "::1") and port == catcher_port


def main() -> int:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    smtp_port = int(os.environ.get("CATCHER_SMTP_PORT", 1025))
    http_port = int(os.environ.get("CATCHER_HTTP_PORT", 8025))
    catch_mail = _mail_comes_here(os.environ, smtp_port)
    try:
        catchers = Catchers(smtp_port=smtp_port, http_port=http_port, catch_mail=catch_mail,
                            notify=lambda line: print(line, flush=True))
        catchers.start()
    except OSError as exc:  # usually a port taken by a catcher that is still running
        raise SystemExit(
            f"catchers: cannot listen ({exc}): is `make run` already running? Otherwise set "
            f"CATCHER_SMTP_PORT / CATCHER_HTTP_PORT"
        ) from None
    mail = (f"SMTP on 127.0.0.1:{smtp_port}" if catch_mail else
            f"no mail catcher (mail goes to {os.environ.get('SMTP_HOST')}:"
            f"{os.environ.get('SMTP_PORT', 25)})")
    sms = ("" if os.environ.get("SMS_API_BASE", catchers.http_base).rstrip("/") == catchers.http_base
           else f"; texts go to {os.environ['SMS_API_BASE']}")
    print(f"catchers: {mail}, pages and SMS API on {catchers.http_base}{sms} "
          f"(kept in {catchers.data_dir})", flush=True)
    while not stop.wait(0.5):  # a timed wait keeps the main thread responsive to signals
        pass
    catchers.stop()
    print("catchers stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
