"""The door's own messages (a confirmation link or code, a code for a change on her page),
sent by intake itself: until a contact is proven nothing may reach any topic, so notifications
cannot send them. Email through SMTP (aiosmtplib), SMS through a Twilio-compatible REST API
(httpx), the same settings as notifications'. A message that could not be handed over is
reported, not retried: the person is on the page and is told to try again. In team mode
(``MESSAGES_MODE=team``) each goes to the team instead, marked a test (vod_shared.team_mode).
"""
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING

import structlog

from vod_shared.team_mode import TeamMode, mark_sms, mark_subject, mark_text

if TYPE_CHECKING:
    import httpx

log = structlog.get_logger()


@dataclass(frozen=True)
class DoorMessage:
    subject: str
    text: str


class NotSent(RuntimeError):
    """The message could not be handed to the mail server or the SMS provider."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    sender: str


class DoorPost:
    def __init__(self, *, smtp: SmtpSettings, sms_api_base: str, sms_account_sid: str,
                 sms_auth_token: str, sms_from: str,
                 transport: "httpx.AsyncBaseTransport | None" = None,
                 team: TeamMode | None = None) -> None:
        self._smtp, self._team = smtp, team
        self._sms_url = (f"{sms_api_base.rstrip('/')}/2010-04-01/Accounts/{sms_account_sid}"
                         "/Messages.json")
        self._sms_auth = (sms_account_sid, sms_auth_token)
        self._sms_from = sms_from
        self._transport = transport

    async def email(self, to: str, message: DoorMessage, *, language: str) -> None:
        if self._team is not None:  # team mode: to the team instead, marked a test
            message = DoorMessage(mark_subject(message.subject), mark_text(message.text))
            for address in self._team.emails:
                await self._email(address, message, language=language)
            return
        await self._email(to, message, language=language)

    async def _email(self, to: str, message: DoorMessage, *, language: str) -> None:
        import aiosmtplib  # here: the service sends few of these, and holds no mail client idle

        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = self._smtp.sender, to, message.subject
        mail["Message-ID"] = make_msgid(domain="dialogue.intake")
        mail["Content-Language"] = language
        mail["Auto-Submitted"] = "auto-generated"
        mail.set_content(message.text)
        try:
            await aiosmtplib.send(mail, sender=self._smtp.sender, recipients=[to],
                                  hostname=self._smtp.host, port=self._smtp.port,
                                  username=self._smtp.username, password=self._smtp.password,
                                  start_tls=self._smtp.starttls, timeout=30)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            log.warning("door.email_not_sent", reason=type(exc).__name__)
            raise NotSent() from None

    async def sms(self, to: str, message: DoorMessage) -> None:
        if self._team is not None:  # team mode: to the team's phones instead, marked a test
            if not self._team.phones:
                log.warning("door.sms_not_sent", reason="team_mode_no_team_phone")
                raise NotSent()
            for phone in self._team.phones:
                await self._sms(phone, DoorMessage(message.subject, mark_sms(message.text)))
            return
        await self._sms(to, message)

    async def _sms(self, to: str, message: DoorMessage) -> None:
        import httpx  # here, like aiosmtplib: some 2 MB the service need not hold until used

        try:
            async with httpx.AsyncClient(auth=self._sms_auth, transport=self._transport,
                                         timeout=15) as client:
                response = await client.post(self._sms_url, data={
                    "To": to, "From": self._sms_from, "Body": message.text})
        except httpx.HTTPError as exc:
            log.warning("door.sms_not_sent", reason=type(exc).__name__)
            raise NotSent() from None
        if response.status_code not in (200, 201):
            log.warning("door.sms_not_sent", status=response.status_code)
            raise NotSent()
