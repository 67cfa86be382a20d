"""Her own page (``/v/<token>``): what she can see and change about herself.

Every change waits for a one-time code sent to her (to the contact she is reached at, or, when
she moves to text messages, to the phone that will be used); a new email or phone is then
proven by a second code sent there before it is used. A withdrawal stops everything at once and
can be undone for 7 days. Links are taken back by "sign out everywhere".
"""
import hmac
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import delete, insert, select, update

from vod_shared.db import as_utc, insert_or_ignore
from vod_shared.envelope import Envelope
from vod_shared.events import (
    ActedBy,
    Channel,
    CustodyNoticeKind,
    Language,
    PersonUpdated,
    SealedDetails,
)
from vod_shared.victim_links import VictimLink
from vod_shared.zones import person_zone

from intake.adapters.orm import (
    messages_sent,
    pending_changes,
    pending_withdrawals,
    revoked_links,
)
from intake.domain import door as door_rules
from intake.domain import rules
from intake.domain.errors import CaseStepRefused, InvalidRequest
from intake.domain.model import Case, Hold, Registration
from intake.adapters.door_words import change_code_message
from intake.service_layer import handlers
from intake.service_layer.door import Door, NotConfirmed, secret_hash
from intake.service_layer.unit_of_work import UnitOfWork

CASE_STEPS = ("pause", "resume", "withdraw", "undo_withdrawal")


@dataclass
class PageView:
    person_id: str
    details: dict
    cases: list[Case]
    withdrawals: dict[str, datetime]  # case id -> when it becomes final
    registrations: list[Registration]
    messages: list = field(default_factory=list)

    @property
    def language(self) -> str:
        return self.details.get("preferred_language") or "en"

    @property
    def zone(self) -> ZoneInfo:
        return person_zone(self.details.get("time_zone"), self.details.get("state"))


@dataclass(frozen=True)
class CodeSent:
    change_id: str
    to_kind: str  # email | phone


@dataclass(frozen=True)
class Done:
    what: str


class HerPage:
    def __init__(self, *, runtime, ctx: handlers.Context, door: Door, phone: str) -> None:
        self._runtime, self._ctx, self._door, self._phone = runtime, ctx, door, phone

    async def view(self, link: VictimLink) -> PageView | None:
        """What her page shows; None if the link was taken back or she is not known."""
        async with self._runtime.uow() as uow:
            if not await self._link_holds(uow, link):
                return None
            sealed = await uow.people.sealed(link.person_id)
            if sealed is None:
                return None
            cases = await uow.cases.of_person(link.person_id)
            rows = await uow.session.execute(select(pending_withdrawals).where(
                pending_withdrawals.c.case_id.in_([c.case_id for c in cases])))
            messages = (await uow.session.execute(
                select(messages_sent).where(messages_sent.c.person_id == link.person_id)
                .order_by(messages_sent.c.at.desc()).limit(50))).all()
            return PageView(link.person_id, self._ctx.vault.open(sealed), cases,
                            {r.case_id: r.final_at for r in rows},
                            await uow.registrations.of_person(link.person_id), list(messages))

    async def ask(self, link: VictimLink, change: dict) -> CodeSent:
        """Checks the change, keeps it sealed and sends a code for it. Raises InvalidRequest,
        CaseStepRefused, OverLimit or NotSent."""
        seen = await self.view(link)
        if seen is None:
            raise CaseStepRefused("link")
        _check(change, seen)
        kind = _code_goes_to(change, seen.details)
        return await self._send_code(seen, change, kind, stage="code_on_file")

    async def confirm(self, link: VictimLink, change_id: str, code: str) -> CodeSent | Done:
        seen = await self.view(link)
        if seen is None:
            raise NotConfirmed("unknown")
        async with self._runtime.uow() as uow:
            row = (await uow.session.execute(select(pending_changes).where(
                pending_changes.c.change_id == change_id,
                pending_changes.c.person_id == link.person_id))).first()
            if row is None or as_utc(row.expires_at) <= self._ctx.clock():
                raise NotConfirmed("unknown")
            if not hmac.compare_digest(row.code_hash, secret_hash(code.strip(),
                                                                  pending_id=change_id)):
                left = door_rules.CODE_ATTEMPTS - row.attempts - 1
                await uow.session.execute(
                    delete(pending_changes).where(pending_changes.c.change_id == change_id)
                    if left <= 0 else update(pending_changes)
                    .where(pending_changes.c.change_id == change_id)
                    .values(attempts=row.attempts + 1))
                await uow.commit()
                raise NotConfirmed("wrong_code" if left > 0 else "too_many",
                                   attempts_left=max(left, 0))
            change = self._ctx.vault.open(SealedDetails.model_validate(row.sealed_change))
            await uow.session.execute(delete(pending_changes)
                                      .where(pending_changes.c.change_id == change_id))
            if change["what"] == "contact" and row.stage == "code_on_file":
                await uow.commit()
                # Proven she is who the page is for; now prove the new address is hers.
                return await self._send_code(seen, change, change["kind"], stage="code_at_new")
            await self._apply(uow, seen, change)
            await uow.commit()
        return Done(change["what"])

    async def sign_out_everywhere(self, link: VictimLink) -> None:
        """Every link to her page made until now stops opening; new messages bring new ones."""
        async with self._runtime.uow() as uow:
            await uow.people.sign_out_everywhere(link.person_id, self._ctx.clock())
            await uow.session.execute(insert(revoked_links).values(
                link_id=link.link_id, revoked_at=self._ctx.clock()))
            await uow.commit()

    async def finalise_withdrawals(self) -> int:
        """Withdrawals not undone within 7 days become final: CaseWithdrawn."""
        now, done = self._ctx.clock(), 0
        async with self._runtime.uow() as uow:
            due = (await uow.session.execute(select(pending_withdrawals.c.case_id).where(
                pending_withdrawals.c.final_at <= now))).scalars().all()
        for case_id in due:
            async with self._runtime.uow() as uow:
                case = await uow.cases.get(case_id)
                # Still held by her: staff may have resumed it for her meanwhile.
                if case is not None and case.is_open and Hold.VICTIM in case.holds:
                    case.withdraw(by=ActedBy.VICTIM, reason=None, now=now)
                    await uow.cases.save(case)
                    await handlers.emit_all(uow, case.events, topic=self._ctx.topics.intake,
                                            subject=case.case_id)
                await uow.session.execute(delete(pending_withdrawals)
                                          .where(pending_withdrawals.c.case_id == case_id))
                await uow.commit()
                done += 1
        return done

    async def _link_holds(self, uow: UnitOfWork, link: VictimLink) -> bool:
        if await uow.session.scalar(select(revoked_links.c.link_id)
                                    .where(revoked_links.c.link_id == link.link_id)):
            return False
        valid_from = await uow.people.links_valid_from(link.person_id)
        return valid_from is None or link.issued_at > as_utc(valid_from)

    async def _send_code(self, seen: PageView, change: dict, kind: str, *, stage: str) -> CodeSent:
        to = change["value"] if stage == "code_at_new" else seen.details.get(kind)
        if not to:
            raise InvalidRequest("There is no contact of that kind to send a code to.",
                                 field=kind, code="email_needed" if kind == "email"
                                 else "phone_needed")
        await self._door.count(address=None, contact=(kind, to), purpose="page")
        change_id, code = str(uuid.uuid4()), f"{secrets.randbelow(10**6):06d}"
        async with self._runtime.uow() as uow:
            await uow.session.execute(insert(pending_changes).values(
                change_id=change_id, person_id=seen.person_id,
                sealed_change=self._ctx.vault.seal(change, ("intake",)).model_dump(),
                stage=stage, code_hash=secret_hash(code, pending_id=change_id),
                expires_at=self._ctx.clock() + door_rules.CHANGE_LIFETIME))
            await uow.commit()
        language = change.get("language") or seen.language
        message = change_code_message(language, phone=self._phone, code=code,
                                      sms=kind == door_rules.PHONE)
        if kind == door_rules.PHONE:
            await self._door.post.sms(to, message)
        else:
            await self._door.post.email(to, message, language=language)
        return CodeSent(change_id, kind)

    async def _apply(self, uow: UnitOfWork, seen: PageView, change: dict) -> None:
        what, now = change["what"], self._ctx.clock()
        if what in ("preferences", "contact"):
            await self._update_person(uow, seen, change, now)
        elif what in ("notices", "cancel_registration"):
            registration = await uow.registrations.get(change["registration_id"])
            if registration is None or registration.registrant_id != seen.person_id:
                raise CaseStepRefused("not her registration")
            if what == "notices":
                registration.change_notices(frozenset(map(CustodyNoticeKind, change["notify_on"])),
                                            now=now)
            else:
                registration.cancel(now=now)
            await uow.registrations.save(registration)
            await handlers.emit_all(uow, registration.events, topic=self._ctx.topics.intake,
                                    subject=registration.registration_id)
        else:
            await self._case_step(uow, seen, change, now)

    async def _case_step(self, uow: UnitOfWork, seen: PageView, change: dict,
                         now: datetime) -> None:
        case = await uow.cases.get(change["case_id"])
        if case is None or case.requester_id != seen.person_id:
            raise CaseStepRefused("not her case")
        what = change["what"]
        if what == "withdraw":
            case.ask_to_withdraw(now=now)
            await uow.session.execute(insert(pending_withdrawals).values(
                case_id=case.case_id, asked_at=now, final_at=now + door_rules.WITHDRAWAL_UNDO))
        elif what == "undo_withdrawal":
            if case.case_id not in seen.withdrawals:
                raise CaseStepRefused("there is no withdrawal to undo")
            case.undo_withdrawal(now=now)
            await uow.session.execute(delete(pending_withdrawals)
                                      .where(pending_withdrawals.c.case_id == case.case_id))
        elif case.case_id in seen.withdrawals:
            raise CaseStepRefused("a withdrawal is waiting: undo it first")
        else:
            getattr(case, what)(by=ActedBy.VICTIM, reason=None, now=now)
        await uow.cases.save(case)
        await handlers.emit_all(uow, case.events, topic=self._ctx.topics.intake,
                                subject=case.case_id)

    async def _update_person(self, uow: UnitOfWork, seen: PageView, change: dict,
                             now: datetime) -> None:
        details = dict(seen.details)
        proven = {c.kind for c in await uow.people.contacts(seen.person_id) if c.confirmed}
        if change["what"] == "contact":
            details[change["kind"]] = change["value"]
            proven.add(change["kind"])
        else:
            # The form shows every preference, so what it sends is the whole choice: an empty
            # time zone means "from my state", no quiet hours means the program's.
            details.update(preferred_channel=change["channel"],
                           preferred_language=change["language"],
                           time_zone=change.get("time_zone"),
                           quiet_hours=change.get("quiet_hours"))
            proven.add(_kind_of(change["channel"]))
        readers = (rules.READERS_OF_REQUESTER if seen.cases else rules.READERS_OF_REGISTRANT)
        sealed = self._ctx.vault.seal(details, readers)
        await uow.people.update(seen.person_id, sealed)
        await uow.people.set_contacts(seen.person_id, self._ctx.vault.contacts(
            email=details.get("email"), phone=details.get("phone"), confirmed=frozenset(proven)))
        await uow.emit(PersonUpdated(person_id=seen.person_id, sealed=sealed, at=now),
                       topic=self._ctx.topics.people, subject=seen.person_id)


async def remember_message(envelope: Envelope, uow: UnitOfWork) -> None:
    """What notifications sent (or could not send) to a person, for her page: no words."""
    event = envelope.data
    sent = getattr(event, "sent_at", None)
    await uow.session.execute(insert_or_ignore(uow.session, messages_sent, "notification_id").values(
        notification_id=event.notification_id, person_id=event.recipient_id,
        channel=event.channel.value, template=event.template,
        outcome="sent" if sent else "failed", at=sent or event.failed_at))


def _kind_of(channel: str) -> str:
    return door_rules.PHONE if channel == Channel.SMS.value else door_rules.EMAIL


def _code_goes_to(change: dict, details: dict) -> str:
    """To the contact she will be reached at once the change is made (moving to text messages
    proves the phone); a new contact's code goes first to the one on file."""
    if change["what"] == "preferences":
        return _kind_of(change["channel"])
    return _kind_of(details.get("preferred_channel") or Channel.EMAIL.value)


def _check(change: dict, seen: PageView) -> None:
    what = change.get("what")
    if what == "preferences":
        if change.get("channel") not in {c.value for c in Channel} or \
                change.get("language") not in {lang.value for lang in Language}:
            raise InvalidRequest("Choose a way to be reached and a language.",
                                 field="preferred_channel", code="field_invalid")
        if not seen.details.get("phone" if change["channel"] == "sms" else "email"):
            raise InvalidRequest("No contact of that kind is on file.", field="preferred_channel",
                                 code="phone_needed" if change["channel"] == "sms"
                                 else "email_needed")
        if change.get("time_zone") and change["time_zone"] not in available_timezones():
            raise InvalidRequest("Not a time zone.", field="time_zone", code="field_invalid")
    elif what == "notices":
        registration = next((r for r in seen.registrations
                             if r.registration_id == change.get("registration_id")), None)
        if registration is None:
            raise CaseStepRefused("not her registration")
        rules.check_may_register(registration.relationship,
                                 frozenset(map(CustodyNoticeKind, change["notify_on"])))
    elif what == "cancel_registration":
        if not any(r.registration_id == change.get("registration_id") and r.is_active
                   for r in seen.registrations):
            raise CaseStepRefused("not her registration")
    elif what in CASE_STEPS:
        if not any(c.case_id == change.get("case_id") for c in seen.cases):
            raise CaseStepRefused("not her case")
    elif what != "contact":
        raise CaseStepRefused("unknown change")
