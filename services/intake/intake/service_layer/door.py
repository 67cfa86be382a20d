"""The public door: a request from the public page waits, sealed, until its contact is proven
(a link by email, a six-digit code by SMS); only then is it a case or a registration, with
events. Limits per client address, contact, CDCR number and SMS number are counted first.
"""
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update

from vod_shared.db import as_utc
from vod_shared.events import Channel, CustodyNoticeKind, RequestSource, SealedDetails

from intake.adapters.door_post import DoorPost, NotSent
from intake.adapters.limits import Limits
from intake.adapters.orm import pending_requests
from intake.domain import door, rules
from intake.domain.commands import RegisterForCustodyNotices, RequestDialogue
from intake.adapters.door_words import confirmation_message
from intake.entrypoints.schemas import IntakeWebhookIn, to_command
from intake.service_layer import handlers

DAY, HOUR = timedelta(days=1), timedelta(hours=1)


@dataclass(frozen=True)
class DoorLimits:
    per_address_per_hour: int = 10
    per_contact_per_day: int = 3
    per_cdcr_per_day: int = 20
    sms_per_number_per_day: int = 10
    # Codes for changes on her own page: she may make several changes in a day.
    page_codes_per_contact_per_day: int = 10


class OverLimit(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class NotConfirmed(Exception):
    """The link or code does not (or no longer) confirm anything: unknown, wrong, or expired."""

    def __init__(self, reason: str, attempts_left: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.attempts_left = attempts_left


@dataclass(frozen=True)
class Held:
    pending_id: str
    channel: Channel


def secret_hash(secret: str, *, pending_id: str = "") -> str:
    return hashlib.sha256(f"{pending_id}:{secret}".encode()).hexdigest()


class Door:
    def __init__(self, *, runtime, ctx: handlers.Context, post: DoorPost, limits: DoorLimits,
                 public_base_url: str, phone: str) -> None:
        self._runtime, self._ctx, self._post, self._limits = runtime, ctx, post, limits
        self._base = public_base_url.rstrip("/")
        self._phone = phone

    @property
    def post(self) -> DoorPost:
        return self._post

    async def hold(self, form: IntakeWebhookIn, *, also_notify_on: list[str],
                   address: str) -> Held:
        """Checks the program's rules, counts the limits, keeps the form sealed and sends the
        confirmation (which holds nothing the sender typed). Raises OverLimit, InvalidRequest,
        or NotSent (then nothing is kept)."""
        command = to_command(form, source=RequestSource.WEB_FORM)
        _check_rules(command, also_notify_on)
        requester = command.requester
        channel = requester.preferred_channel
        contact = requester.phone if channel is Channel.SMS else requester.email
        await self.count(address=address, contact=(requester.channel_kind(), contact),
                         cdcr_number=command.cdcr_number)
        now, pending_id = self._ctx.clock(), str(uuid.uuid4())
        secret = (f"{secrets.randbelow(10**6):06d}" if channel is Channel.SMS
                  else secrets.token_urlsafe(32))
        stored = secret_hash(secret, pending_id=pending_id if channel is Channel.SMS else "")
        sealed = self._ctx.vault.seal({"form": form.model_dump(mode="json"),
                                       "also_notify_on": also_notify_on}, ("intake",))
        language = requester.preferred_language.value
        async with self._runtime.uow() as uow:
            await uow.session.execute(pending_requests.insert().values(
                pending_id=pending_id, sealed_form=sealed.model_dump(), channel=channel.value,
                language=language, secret_hash=stored, created_at=now,
                expires_at=now + door.PENDING_LIFETIME))
            await uow.commit()
        try:
            if channel is Channel.SMS:
                await self._post.sms(contact, confirmation_message(language, code=secret,
                                                                   phone=self._phone))
            else:
                link = f"{self._base}/confirm/{secret}?lang={language}"
                await self._post.email(contact, confirmation_message(language, link=link,
                                                                     phone=self._phone),
                                       language=language)
        except NotSent:
            await self._forget(pending_id)
            raise
        return Held(pending_id, channel)

    async def count(self, *, address: str | None, contact: tuple[str, str] | None,
                    cdcr_number: str | None = None, purpose: str = "door") -> None:
        """Counts one use of the door (or one code for her page) against each limit,
        committed whatever follows."""
        now, limits, vault = self._ctx.clock(), self._limits, self._ctx.vault
        checks = []
        if address:
            checks.append((f"addr:{vault.key_for('address', address)}",
                           limits.per_address_per_hour, HOUR))
        if contact:
            kind, value = contact
            allowed = (limits.page_codes_per_contact_per_day if purpose == "page"
                       else limits.per_contact_per_day)
            checks.append((f"{purpose}:{vault.key_for(kind, value)}", allowed, DAY))
            if kind == door.PHONE:
                checks.append((f"sms:{vault.key_for(kind, value)}",
                               limits.sms_per_number_per_day, DAY))
        if cdcr_number:
            checks.append((f"cdcr:{cdcr_number}", limits.per_cdcr_per_day, DAY))
        async with self._runtime.uow() as uow:
            waits = [await Limits(uow.session).hit(key, allowed=allowed, window=window, now=now)
                     for key, allowed, window in checks]
            await uow.commit()
        if any(waits):
            raise OverLimit(max(w for w in waits if w))

    async def channel_of(self, pending_id: str) -> tuple[Channel, str] | None:
        async with self._runtime.uow() as uow:
            row = (await uow.session.execute(select(pending_requests).where(
                pending_requests.c.pending_id == pending_id,
                pending_requests.c.expires_at > self._ctx.clock()))).first()
        return (Channel(row.channel), row.language) if row else None

    async def confirm_link(self, token: str) -> str:
        """The email's link was followed and its button pressed: the request is made. Returns
        the language of the request."""
        return await self._confirm(pending_requests.c.secret_hash == secret_hash(token))

    async def confirm_code(self, pending_id: str, code: str) -> str:
        """The code from the text message, entered on the page the form answered with."""
        async with self._runtime.uow() as uow:
            row = (await uow.session.execute(select(pending_requests).where(
                pending_requests.c.pending_id == pending_id,
                pending_requests.c.channel == Channel.SMS.value))).first()
            if row is None or as_utc(row.expires_at) <= self._ctx.clock():
                raise NotConfirmed("unknown")
            if hmac.compare_digest(row.secret_hash,
                                   secret_hash(code.strip(), pending_id=pending_id)):
                return await self._confirm(pending_requests.c.pending_id == pending_id)
            left = door.CODE_ATTEMPTS - row.attempts - 1
            if left <= 0:
                await uow.session.execute(delete(pending_requests).where(
                    pending_requests.c.pending_id == pending_id))
            else:
                await uow.session.execute(update(pending_requests).where(
                    pending_requests.c.pending_id == pending_id).values(attempts=row.attempts + 1))
            await uow.commit()
        raise NotConfirmed("wrong_code" if left > 0 else "too_many", attempts_left=max(left, 0))

    async def _confirm(self, which) -> str:
        async with self._runtime.uow() as uow:
            row = (await uow.session.execute(select(pending_requests).where(which))).first()
            if row is None or as_utc(row.expires_at) <= self._ctx.clock():
                raise NotConfirmed("unknown")
            held = self._ctx.vault.open(_sealed(row.sealed_form))
            proven = frozenset({door.PHONE if row.channel == Channel.SMS.value else door.EMAIL})
            form = IntakeWebhookIn.model_validate(held["form"])
            command = to_command(form, source=RequestSource.WEB_FORM, confirmed=proven)
            await uow.session.execute(delete(pending_requests).where(
                pending_requests.c.pending_id == row.pending_id))
            if isinstance(command, RequestDialogue):
                accepted = await handlers.open_or_join(command, uow, self._ctx)
                if held["also_notify_on"]:
                    case = await uow.cases.get(accepted.body["case_id"])
                    await handlers.register(_registration_too(command, held["also_notify_on"],
                                                              case.requester_id), uow, self._ctx)
            else:
                await handlers.register(command, uow, self._ctx)
            await uow.commit()
        return row.language

    async def expire(self) -> int:
        """Deletes what waited too long: unconfirmed requests (48 hours), their details with
        them, and counters of windows long past."""
        now = self._ctx.clock()
        async with self._runtime.uow() as uow:
            gone = await uow.session.execute(delete(pending_requests).where(
                pending_requests.c.expires_at <= now))
            await Limits(uow.session).forget_before(now - 2 * DAY)
            await uow.commit()
        return gone.rowcount

    async def _forget(self, pending_id: str) -> None:
        async with self._runtime.uow() as uow:
            await uow.session.execute(delete(pending_requests).where(
                pending_requests.c.pending_id == pending_id))
            await uow.commit()


def _check_rules(command, also_notify_on: list[str]) -> None:
    """The program's rules, checked before anything is kept or sent (and again on confirmation)."""
    requester = command.requester
    rules.check_contact_for_channel(requester.preferred_channel, email=requester.email,
                                    phone=requester.phone)
    if isinstance(command, RequestDialogue):
        rules.check_may_request_dialogue(requester.relationship)
        if also_notify_on:
            rules.check_may_register(requester.relationship, frozenset(also_notify_on))
    else:
        rules.check_may_register(requester.relationship, command.notify_on)


def _registration_too(command: RequestDialogue, notify_on: list[str],
                      person_id: str) -> RegisterForCustodyNotices:
    """The custody notices she ticked on her dialogue request: a registration of hers, for the
    same person (one page, one set of preferences)."""
    return RegisterForCustodyNotices(
        requester=command.requester, cdcr_number=command.cdcr_number,
        notify_on=frozenset(CustodyNoticeKind(k) for k in notify_on), source=command.source,
        confirmed=command.confirmed, registrant_id=person_id)


def _sealed(value) -> SealedDetails:
    return SealedDetails.model_validate(value)
