"""The public door: a request from the public page waits, sealed, until its contact is proven
(a link by email, a six-digit code by SMS); only then is it a case or a registration, with
events, and only the proven contact is kept. Limits per client address, contact, CDCR number
and SMS number are checked before anything is kept or sent.
"""
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta

import structlog
from pydantic import ValidationError
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from vod_shared.events import Channel, CustodyNoticeKind, RequestSource, SealedDetails

from intake.adapters.door_post import DoorPost, NotSent
from intake.adapters.door_words import confirmation_message
from intake.adapters.limits import Limits
from intake.adapters.one_time_codes import secret_hash, take, try_code
from intake.adapters.orm import pending_changes, pending_requests
from intake.domain import door, rules
from intake.domain.commands import RegisterForCustodyNotices, RequestDialogue
from intake.domain.errors import CaseStepRefused, ChangedMeanwhile, InvalidRequest
from intake.entrypoints.schemas import IntakeWebhookIn, to_command
from intake.service_layer import handlers

log = structlog.get_logger()
DAY, HOUR = timedelta(days=1), timedelta(hours=1)


@dataclass(frozen=True)
class DoorLimits:
    per_address_per_hour: int = 10
    per_contact_per_day: int = 3  # from one address
    # from every address together: a stranger typing her contact from his own address spends
    # none of her three; kept below the texts a number may get a day (sms_per_number_per_day,
    # shared with her page's codes), so strangers cannot spend those either
    per_contact_all_per_day: int = 5
    per_cdcr_per_day: int = 20
    sms_per_number_per_day: int = 10
    # Codes for changes on her own page: she may make several changes in a day.
    page_codes_per_contact_per_day: int = 10


class OverLimit(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class NotConfirmed(Exception):
    """The link or code does not (or no longer) confirm anything: unknown, wrong, expired, out
    of tries, or refused by the program's rules when it was to be made."""

    def __init__(self, reason: str, attempts_left: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.attempts_left = attempts_left


def require_right(tried) -> None:
    """A try at a one-time code as she is told of it: unknown (or used, or expired), wrong with
    so many tries left, or out of tries."""
    if tried is None:
        raise NotConfirmed("unknown")
    if not tried.right:
        raise NotConfirmed("wrong_code" if tried.left else "too_many", attempts_left=tried.left)


@dataclass(frozen=True)
class Held:
    pending_id: str
    channel: Channel


@dataclass(frozen=True)
class Made:
    """What a confirmation made, for the page that says so: a dialogue request or not, and the
    kinds of custody notice registered (none, or a registration's)."""

    language: str
    dialogue: bool
    notices: tuple[str, ...] = ()


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
        """Checks the program's rules and the limits, keeps the form sealed and sends the
        confirmation, which holds nothing the sender typed. Raises InvalidRequest, OverLimit,
        or NotSent (then nothing is kept)."""
        command = to_command(form, source=RequestSource.WEB_FORM)
        notices = _notices(also_notify_on)
        _check_rules(command, notices)
        requester = command.requester
        channel, kind = requester.preferred_channel, requester.channel_kind()
        contact = requester.phone if channel is Channel.SMS else requester.email
        contact_key = self._ctx.vault.key_for(kind, door.one_inbox(kind, contact))
        await self.count(address=address, contact=(kind, contact),
                         cdcr_number=command.cdcr_number)
        now, pending_id = self._ctx.clock(), str(uuid.uuid4())
        secret = (f"{secrets.randbelow(10**6):06d}" if channel is Channel.SMS
                  else secrets.token_urlsafe(32))
        stored = secret_hash(secret, salt=pending_id if channel is Channel.SMS else "")
        # No person yet: under intake's own key, and deleted within 48 hours.
        sealed = self._ctx.vault.seal_own({"form": form.model_dump(mode="json"),
                                           "also_notify_on": sorted(notices)}, about=pending_id)
        language = requester.preferred_language.value
        async with self._runtime.uow() as uow:
            # A newer request to the same inbox leaves an older one waiting: anyone may type her
            # contact, and a stranger's form must not void the link she was sent (at most the
            # day's allowance of them waits, each for 48 hours).
            await uow.session.execute(pending_requests.insert().values(
                pending_id=pending_id, sealed_form=sealed.model_dump(), channel=channel.value,
                language=language, secret_hash=stored, contact_key=contact_key, created_at=now,
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
                    cdcr_number: str | None = None, page_code: bool = False) -> None:
        """Checks every limit first and counts this use only if none is reached, so a
        stranger's refused attempts do not use up her allowance. ``page_code``: a code for a
        change on her page, which has its own allowance per contact."""
        now, limits, vault = self._ctx.clock(), self._limits, self._ctx.vault
        checks = []
        if address:
            checks.append((f"addr:{vault.key_for('address', door.one_client(address))}",
                           limits.per_address_per_hour, HOUR))
        if contact:
            kind, value = contact
            inbox = vault.key_for(kind, door.one_inbox(kind, value))
            if page_code:
                checks.append((f"page:{inbox}", limits.page_codes_per_contact_per_day, DAY))
            elif address:
                # a few a day from one address, more from all together: a stranger typing her
                # contact from his own cannot spend the requests she may make from hers
                client = vault.key_for("address", door.one_client(address))
                checks += [(f"door:{inbox}:{client}", limits.per_contact_per_day, DAY),
                           (f"doorall:{inbox}", limits.per_contact_all_per_day, DAY)]
            else:
                checks.append((f"door:{inbox}", limits.per_contact_per_day, DAY))
            if kind == door.PHONE:
                checks.append((f"sms:{inbox}", limits.sms_per_number_per_day, DAY))
        if cdcr_number:
            checks.append((f"cdcr:{cdcr_number}", limits.per_cdcr_per_day, DAY))
        async with self._runtime.uow() as uow:
            # Requests at the same moment for one contact (a script) wait here for each other:
            # on PostgreSQL each would otherwise read the counts before any of them adds to
            # them, and all would pass (SQLite takes its writers one at a time already).
            await uow.serialize_on_all(key for key, _, _ in checks)
            counter = Limits(uow.session)
            waits = [await counter.wait(key, allowed=allowed, window=window, now=now)
                     for key, allowed, window in checks]
            if any(waits):
                raise OverLimit(max(w for w in waits if w))
            for key, _, window in checks:
                await counter.add(key, window=window, now=now)
            await uow.commit()

    async def channel_of(self, pending_id: str) -> tuple[Channel, str] | None:
        async with self._runtime.uow() as uow:
            row = (await uow.session.execute(pending_requests.select().where(
                pending_requests.c.pending_id == pending_id,
                pending_requests.c.expires_at > self._ctx.clock()))).first()
        return (Channel(row.channel), row.language) if row else None

    async def confirm_link(self, token: str) -> Made:
        """The email's link was followed and its button pressed: the request is made. Returns
        what was made, and in which language."""
        return await self._confirm(pending_requests.c.secret_hash == secret_hash(token))

    async def confirm_code(self, pending_id: str, code: str) -> Made:
        """The code from the text message, entered on the page the form answered with."""
        async with self._runtime.uow() as uow:
            tried = await try_code(uow.session, pending_requests, pending_requests.c.pending_id,
                                   pending_id, code, hash_column=pending_requests.c.secret_hash,
                                   now=self._ctx.clock())
            await uow.commit()
        require_right(tried)
        # The row is used up in _confirm, in the transaction that makes the request.
        return await self._confirm(pending_requests.c.pending_id == pending_id)

    async def _confirm(self, which) -> Made:
        for attempt in (1, 2):
            try:
                return await self._make(which)
            except (IntegrityError, ChangedMeanwhile):
                # Two presses at once, or her case changed meanwhile: the loser reads again.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _make(self, which) -> Made:
        async with self._runtime.uow() as uow:
            row = await take(uow.session, pending_requests, which, now=self._ctx.clock())
            if row is None:
                raise NotConfirmed("unknown")
            held = self._ctx.vault.open_own(SealedDetails.model_validate(row.sealed_form),
                                            about=row.pending_id)
            proven = door.kind_of(row.channel)
            try:
                form, unproven = _only_proven(IntakeWebhookIn.model_validate(held["form"]),
                                              proven)
                command = replace(to_command(form, source=RequestSource.WEB_FORM,
                                             confirmed=frozenset({proven})), unproven=unproven)
                if isinstance(command, RequestDialogue):
                    accepted = await handlers.open_or_join(command, uow, self._ctx)
                    notices = _notices(held["also_notify_on"])
                    if notices:
                        case = await uow.cases.get(accepted.body["case_id"])
                        await _register_too(uow, self._ctx, command, notices, case.requester_id)
                else:
                    await handlers.register(command, uow, self._ctx)
                    notices = command.notify_on
            except (ValidationError, InvalidRequest, CaseStepRefused) as exc:
                # Kept 48 hours under rules that may have changed since: never log its values.
                log.warning("door.confirmation_refused", reason=type(exc).__name__)
                raise NotConfirmed("refused") from None
            await uow.commit()
        return Made(row.language, isinstance(command, RequestDialogue),
                    tuple(sorted(kind.value for kind in notices)))

    async def expire(self) -> int:
        """Deletes what waited too long: unconfirmed requests (48 hours) and changes on her page
        (15 minutes), their details with them, and counters of windows long past."""
        now = self._ctx.clock()
        async with self._runtime.uow() as uow:
            gone = await uow.session.execute(delete(pending_requests).where(
                pending_requests.c.expires_at <= now))
            await uow.session.execute(delete(pending_changes).where(
                pending_changes.c.expires_at <= now))
            await Limits(uow.session).forget_before(now - 2 * DAY)
            await uow.commit()
        return gone.rowcount

    async def _forget(self, pending_id: str) -> None:
        async with self._runtime.uow() as uow:
            await uow.session.execute(delete(pending_requests).where(
                pending_requests.c.pending_id == pending_id))
            await uow.commit()


def _notices(values: list[str]) -> frozenset[CustodyNoticeKind]:
    try:
        return frozenset(CustodyNoticeKind(v) for v in values)
    except ValueError:
        raise InvalidRequest("Not a kind of custody notice.", field="notify_on",
                             code="field_invalid") from None


def _only_proven(form: IntakeWebhookIn, proven: str) -> tuple[IntakeWebhookIn, dict | None]:
    """Only the contact she proved is used: one typed beside it may be anyone's, and would
    otherwise be reached (urgent notices go every way) or called. It is kept apart, for her to
    prove from her page if it is hers."""
    other = door.PHONE if proven == door.EMAIL else door.EMAIL
    value = getattr(form.requester, other)
    form = form.model_copy(update={"requester": form.requester.model_copy(update={other: None})})
    return form, ({other: value} if value else None)


def _check_rules(command, notices: frozenset[CustodyNoticeKind]) -> None:
    """The program's rules, checked before anything is kept or sent (and again on confirmation)."""
    requester = command.requester
    rules.check_contact_for_channel(requester.preferred_channel, email=requester.email,
                                    phone=requester.phone)
    if isinstance(command, RequestDialogue):
        rules.check_may_request_dialogue(requester.relationship)
        if notices:
            rules.check_may_register(requester.relationship, notices)
    else:
        rules.check_may_register(requester.relationship, command.notify_on)


async def _register_too(uow, ctx: handlers.Context, command: RequestDialogue,
                        notices: frozenset[CustodyNoticeKind], person_id: str) -> None:
    """The custody notices she ticked on her dialogue request: a registration of hers, for the
    same person; or, when she already has one about this offender, the notices added to it."""
    for registration in await uow.registrations.of_person(person_id):
        if registration.is_active and registration.cdcr_number == command.cdcr_number:
            if not notices <= registration.notify_on:
                registration.change_notices(registration.notify_on | notices, now=ctx.clock())
                await uow.registrations.save(registration)
                await handlers.emit_all(uow, registration.events, topic=ctx.topics.intake,
                                        subject=registration.registration_id)
            return
    await handlers.register(RegisterForCustodyNotices(
        requester=command.requester, cdcr_number=command.cdcr_number, notify_on=notices,
        source=command.source, confirmed=command.confirmed, registrant_id=person_id), uow, ctx)

