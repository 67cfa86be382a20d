"""Email through SMTP (aiosmtplib), STARTTLS when configured.

What an SMTP conversation's failure means for the message:
- the server cannot be reached, or refuses us before the message is handed over (connect,
  greeting, STARTTLS, login, MAIL/RCPT answered 4xx): not sent, try again later;
- MAIL/RCPT/DATA answered 5xx: the server will never take it;
- the connection breaks or times out after the message was handed over, before the server's
  answer: it may have been taken, so the outcome is unknown.
Reasons are codes: a server's reply text may quote the address.

A calendar file (the dialogue's invitation or its cancellation) goes twice: as a part of the
body beside the text and the HTML, where Outlook, Gmail and Apple Mail look for an invitation
(``text/calendar`` with the file's METHOD), and as an attachment for clients that need a file.

In team mode (``MESSAGES_MODE=team``) ``TeamEmail`` stands in front: every email goes to the
team, marked a test.
"""
import asyncio
import uuid
from dataclasses import replace
from email import policy
from email.contentmanager import _encode_text
from email.header import Header
from email.message import EmailMessage as MimeMessage
from datetime import datetime, timezone
from email.utils import format_datetime, make_msgid

import aiosmtplib

from notifications.adapters.rendering import Attachment, EmailMessage
from notifications.domain.delivery import (
    Outcome,
    OutcomeUnknown,
    PermanentFailure,
    Sent,
    TemporaryFailure,
)
from vod_shared.team_mode import TeamMode, mark_html, mark_subject, mark_text


def mime(message: EmailMessage, *, to: str, sender: str, message_id: str,
         language: str) -> MimeMessage:
    mail = MimeMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, to, message.subject
    mail["Message-ID"] = message_id
    mail["Date"] = format_datetime(datetime.now(timezone.utc))
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.text)
    mail.add_alternative(message.html, subtype="html")
    for invitation in filter(_is_calendar, message.attachments):
        mail.add_alternative(invitation.data, maintype="text", subtype="calendar",
                             params=dict(invitation.params))
    for attachment in message.attachments:
        mail.add_attachment(attachment.data, maintype=attachment.maintype,
                            subtype=attachment.subtype, filename=attachment.filename,
                            params=dict(attachment.params))
    # last: setting the content (and adding an attachment) moves or drops Content-* headers
    mail["Content-Language"] = language
    return mail


def mime_bytes(message: EmailMessage, *, to: str, sender: str, message_id: str,
               language: str) -> bytes:
    """``mime(...).as_bytes()``, written directly for the common case (a text and an HTML
    part, plain-ASCII addresses): the same parts, encodings and headers, for a fraction of
    the CPU (the email package parses back every header it is given, and folds each again to
    write it). Anything else (a calendar file, an address or a Message-ID beyond printable
    ASCII, a subject with any control character or line or paragraph separator, which ``mime``
    refuses or encodes) goes through ``mime``: no header is ever written here with a character
    a mail relay could read as the end of a line."""
    if message.attachments or not all(map(_plain, (to, sender, message_id, language))) or \
            not message.subject.isprintable():
        return mime(message, to=to, sender=sender, message_id=message_id,
                    language=language).as_bytes()
    boundary = f"==============={uuid.uuid4().int % 10**19:019d}=="
    parts = [_text_part(message.text, "plain"), _text_part(message.html, "html")]
    if any(boundary in part for part in parts):  # as the email package does: another one
        return mime_bytes(message, to=to, sender=sender, message_id=message_id,
                          language=language)
    head = (f"From: {sender}\nTo: {to}\n{_subject(message.subject)}\n"
            f"Message-ID: {message_id}\nDate: {format_datetime(datetime.now(timezone.utc))}\n"
            f"Auto-Submitted: auto-generated\nMIME-Version: 1.0\n"
            f"Content-Language: {language}\n"
            f"Content-Type: multipart/alternative;\n boundary=\"{boundary}\"\n")
    body = "".join(f"\n--{boundary}\n{part}" for part in parts)
    return f"{head}{body}\n--{boundary}--\n".encode("utf-8", "surrogateescape")


def _text_part(text: str, subtype: str) -> str:
    # The email package's own choice of transfer encoding (7bit, 8bit, quoted-printable or
    # base64, by the text's lines), so the part is encoded exactly as ``mime`` encodes it
    cte, data = _encode_text(text, "utf-8", None, policy.default)
    return (f"Content-Type: text/{subtype}; charset=\"utf-8\"\n"
            f"Content-Transfer-Encoding: {cte}\n\n{data}")


def _plain(value: str) -> bool:
    """Printable ASCII: no control character (CR, LF, VT, FF, the separators ``splitlines``
    breaks at...), which ``mime`` would refuse, and so it still does."""
    return value.isascii() and value.isprintable()


def _subject(subject: str) -> str:
    if _plain(subject) and len(subject) <= 68:
        return f"Subject: {subject}"
    charset = "us-ascii" if subject.isascii() else "utf-8"
    return f"Subject: {Header(subject, charset, header_name='Subject').encode()}"


class SmtpSender:
    """Keeps up to ``keep_open`` connections open between messages (a new conversation costs
    a TCP and TLS handshake and a login); one that went stale while idle is replaced before
    anything was handed over, so a message never goes twice for it. At most
    ``max_connections`` conversations at once, whatever the sender's concurrency: a mail relay
    refuses (421) a client that opens too many."""

    def __init__(self, *, host: str, port: int, username: str | None, password: str | None,
                 starttls: bool, sender: str, timeout_s: float = 30.0,
                 keep_open: int = 4, max_connections: int = 8) -> None:
        self._host, self._port = host, port
        self._username, self._password = username, password
        self._starttls, self._sender, self._timeout = starttls, sender, timeout_s
        self._idle: list[aiosmtplib.SMTP] = []
        self._keep_open = keep_open
        self._conversations = asyncio.Semaphore(max(max_connections, 1))

    async def send(self, message: EmailMessage, *, to: str, delivery_id: str,
                   language: str) -> Outcome:
        async with self._conversations:
            return await self._send(message, to=to, delivery_id=delivery_id, language=language)

    async def _send(self, message: EmailMessage, *, to: str, delivery_id: str,
                    language: str) -> Outcome:
        # The delivery id in the Message-ID lets anyone match a message to its row.
        message_id = make_msgid(idstring=delivery_id, domain="dialogue.notifications")
        mail = mime_bytes(message, to=to, sender=self._sender, message_id=message_id,
                          language=language)
        client, outcome = None, None
        try:
            client, reused = await self._connection()
            try:
                await client.mail(self._sender)
            except (aiosmtplib.SMTPServerDisconnected, OSError, TimeoutError):
                if not reused:
                    raise
                self._close(client)  # went stale while idle: nothing was handed over yet
                client = await self._connect()
                await client.mail(self._sender)
            outcome = await self._hand_over(client, to, mail, message_id)
            return outcome
        except aiosmtplib.SMTPRecipientsRefused as exc:
            code = exc.recipients[0].code if exc.recipients else 550
            return _by_code(code, "smtp_recipient_refused")
        except aiosmtplib.SMTPResponseException as exc:
            return _by_code(exc.code, "smtp_rejected")
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return TemporaryFailure(f"smtp_unreachable:{type(exc).__name__}")
        finally:
            if client is not None:
                await self._release(client, clean=isinstance(outcome, Sent))

    async def close(self) -> None:
        while self._idle:
            await self._quit(self._idle.pop())

    async def _connection(self) -> tuple[aiosmtplib.SMTP, bool]:
        while self._idle:
            client = self._idle.pop()
            if client.is_connected:
                return client, True
        return await self._connect(), False

    async def _connect(self) -> aiosmtplib.SMTP:
        client = aiosmtplib.SMTP(hostname=self._host, port=self._port, timeout=self._timeout,
                                 start_tls=self._starttls, use_tls=False)
        await client.connect()
        if self._username:
            await client.login(self._username, self._password or "")
        return client

    async def _release(self, client: aiosmtplib.SMTP, *, clean: bool) -> None:
        """A connection whose last message went through is kept for the next; any other (a
        refusal mid-conversation, a cut) is closed."""
        if clean and client.is_connected and len(self._idle) < self._keep_open:
            self._idle.append(client)
        else:
            await self._quit(client)

    async def _quit(self, client: aiosmtplib.SMTP) -> None:
        if client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                self._close(client)

    @staticmethod
    def _close(client: aiosmtplib.SMTP) -> None:
        client.close()

    async def _hand_over(self, client: aiosmtplib.SMTP, to: str, mail: bytes,
                         message_id: str) -> Outcome:
        await client.rcpt(to)
        try:
            await client.data(mail)
        except aiosmtplib.SMTPResponseException as exc:
            return _by_code(exc.code, "smtp_rejected")
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError,
                TimeoutError) as exc:
            return OutcomeUnknown(f"smtp_cut_off_after_data:{type(exc).__name__}")
        return Sent(message_id.strip("<>"))


class TeamEmail:
    """Team mode (vod_shared.team_mode): each email goes, marked a test, to every address of
    the team instead of its recipient (whose address is dropped here, unread). The outcome is
    the first that was not ``Sent`` (so a retry or a staff alert follows as it would live),
    else the first address's."""

    def __init__(self, inner, team: TeamMode) -> None:
        self._inner, self._team = inner, team

    async def send(self, message: EmailMessage, *, to: str, delivery_id: str,
                   language: str) -> Outcome:
        marked = replace(message, subject=mark_subject(message.subject),
                         text=mark_text(message.text), html=mark_html(message.html))
        outcomes = [await self._inner.send(marked, to=address, delivery_id=delivery_id,
                                           language=language) for address in self._team.emails]
        return next((o for o in outcomes if not isinstance(o, Sent)), outcomes[0])

    async def close(self) -> None:
        """Closes the connections the real sender keeps open."""
        if hasattr(self._inner, "close"):
            await self._inner.close()


def _is_calendar(attachment: Attachment) -> bool:
    """An iTIP calendar file (RFC 6047): its Content-Type names the METHOD it carries."""
    return ((attachment.maintype, attachment.subtype) == ("text", "calendar")
            and "method" in dict(attachment.params))


def _by_code(code: int, what: str) -> Outcome:
    if 400 <= code < 500:
        return TemporaryFailure(f"{what}:{code}")
    return PermanentFailure(f"{what}:{code}")
