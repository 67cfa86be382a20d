"""Her own page (``/v/<token>``): what she can see and change about herself.

Every change waits for a one-time code sent to her (where it goes: ``domain/door.py``,
``code_goes_to``); a new email or phone is then proven by a second code sent there before it
is used. A withdrawal stops everything at once and can be undone for 7 days (the ``Case``
holds it). Links are taken back by "sign out everywhere", and when she replaces her email (a
link made for an address opens only while the address is hers: ``VictimLinks.still_theirs``).
"""
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select

from vod_shared.db import as_utc, insert_or_ignore
from vod_shared.envelope import Envelope
from vod_shared.unit_of_work import insert_later
from vod_shared.events import (
    ActedBy,
    Channel,
    CustodyNoticeKind,
    Language,
    PersonUpdated,
    SealedDetails,
)
from vod_shared.victim_links import VictimLink, mailbox
from vod_shared.zones import person_zone

from intake.adapters.door_words import change_code_message
from intake.adapters.one_time_codes import secret_hash, take, try_code
from intake.adapters.orm import messages_sent, pending_changes
from intake.adapters.time_zones import is_time_zone
from intake.domain import door, rules
from intake.domain.errors import CaseStepRefused, InvalidRequest
from intake.domain.model import Case, Registration
from intake.service_layer import handlers
from intake.service_layer.door import Door, NotConfirmed, require_right
from intake.service_layer.unit_of_work import UnitOfWork


@dataclass
class PageView:
    person_id: str
    details: dict
    cases: list[Case]
    registrations: list[Registration]
    messages: list = field(default_factory=list)
    unproven: dict = field(default_factory=dict)  # a contact typed but not yet proven

    @property
    def language(self) -> str:
        return self.details.get("preferred_language") or "en"

    @property
    def zone(self) -> ZoneInfo:
        return person_zone(self.details.get("time_zone"), self.details.get("state"))

    def contact(self, kind: str) -> str | None:
        """Her email or phone: the one on file, else one she typed and may prove now."""
        return self.details.get(kind) or self.unproven.get(kind)


@dataclass(frozen=True)
class CodeSent:
    change_id: str
    to_kind: str  # email | phone


@dataclass(frozen=True)
class Done:
    what: str
    links_taken_back: bool = False  # her links until now no longer open: she needs a new one


class HerPage:
    def __init__(self, *, runtime, ctx: handlers.Context, door: Door, phone: str) -> None:
        self._runtime, self._ctx, self._door, self._phone = runtime, ctx, door, phone

    def now(self) -> datetime:
        return self._ctx.clock()

    async def view(self, link: VictimLink) -> PageView | None:
        """What her page shows; None if the link was taken back or she is not known."""
        async with self._runtime.uow() as uow:
            valid_from = await uow.people.links_valid_from(link.person_id)
            if valid_from is not None and link.issued_at <= as_utc(valid_from):
                return None
            return await self._seen(uow, link.person_id, messages=True)

    async def _seen(self, uow: UnitOfWork, person_id: str, *,
                    messages: bool = False) -> PageView | None:
        sealed = await uow.people.sealed(person_id)
        if sealed is None:
            return None
        unproven = await uow.people.unproven(person_id)
        # Not the reminders: one goes the day before a meeting or the dialogue at the same
        # time of day, so its time would tell whoever holds her link (forwarded, left open)
        # when and that she meets, which the page never shows. Dates only, for the same reason.
        sent = (await uow.session.execute(
            select(messages_sent).where(
                messages_sent.c.person_id == person_id,
                ~messages_sent.c.template.endswith("_reminder", autoescape=True))
            .order_by(messages_sent.c.at.desc()).limit(50))).all() if messages else []
        keys = self._ctx.keys
        return PageView(person_id, await keys.open(uow, sealed, about=person_id),
                        await uow.cases.of_person(person_id),
                        await uow.registrations.of_person(person_id), list(sent),
                        await keys.open(uow, unproven, about=person_id) if unproven else {})

    async def ask(self, link: VictimLink, change: dict, seen: PageView) -> CodeSent:
        """Checks the change, keeps it sealed and sends a code for it. Raises InvalidRequest,
        CaseStepRefused, OverLimit or NotSent."""
        _check(change, seen)
        kind = door.code_goes_to(change, seen.details.get("preferred_channel"))
        return await self._send_code(seen, change, kind, to=seen.contact(kind),
                                     stage="code_on_file")

    async def confirm(self, link: VictimLink, change_id: str, code: str,
                      seen: PageView) -> CodeSent | Done:
        now = self._ctx.clock()
        async with self._runtime.uow() as uow:
            tried = await try_code(uow.session, pending_changes, pending_changes.c.change_id,
                                   change_id, code, hash_column=pending_changes.c.code_hash,
                                   now=now)
            await uow.commit()
        require_right(tried)
        async with self._runtime.uow() as uow:
            row = await take(uow.session, pending_changes,
                             (pending_changes.c.change_id == change_id)
                             & (pending_changes.c.person_id == seen.person_id), now=now)
            if row is None:  # pressed twice at once, or not hers
                raise NotConfirmed("unknown")
            change = await self._ctx.keys.open(
                uow, SealedDetails.model_validate(row.sealed_change),
                about=_change_about(row))
            if change["what"] == "contact" and row.stage == "code_on_file":
                await uow.commit()
                # It is she who asks; now prove the new address is hers.
                return await self._send_code(seen, change, change["kind"], to=change["value"],
                                             stage="code_at_new")
            replaced = _replaces_a_contact(change, seen)
            hers = await self._take_back_links(uow, seen.person_id, now) if replaced else []
            await self._apply(uow, seen, change, now)
            # Her other requests made with the old email move to the new one with it: their
            # messages (links, codes) would otherwise still go to the old inbox
            for other in hers:
                also = await self._seen(uow, other) if other != seen.person_id else None
                if also and mailbox(also.details.get(change["kind"]) or "") == mailbox(
                        seen.details[change["kind"]]):
                    await self._update_person(uow, also, change, now)
            await uow.commit()
        return Done(change["what"], links_taken_back=replaced)

    async def _take_back_links(self, uow: UnitOfWork, person_id: str,
                               now: datetime) -> list[str]:
        """An email replaced: the links already sent may sit in the old inbox, which someone
        else may read (often the reason for the change). Every link to her page made
        before this second stops opening, for every request of hers made with a contact she
        proved (as "sign out everywhere"), and changes asked for with them are dropped. Links
        are stamped to the second: one made this second (the new one she is given now) opens."""
        hers = await uow.people.sharing_proven_contacts(person_id)
        await uow.people.sign_out_everywhere(
            hers, now.replace(microsecond=0) - timedelta(microseconds=1))
        await uow.session.execute(delete(pending_changes)
                                  .where(pending_changes.c.person_id.in_(hers)))
        return hers

    async def sign_out_everywhere(self, link: VictimLink) -> None:
        """Every link made until now to her page (and to the page of any request of hers made
        with the same proven contact) stops opening; new messages bring new ones."""
        async with self._runtime.uow() as uow:
            hers = await uow.people.sharing_proven_contacts(link.person_id)
            await uow.people.sign_out_everywhere(hers, self._ctx.clock())
            await uow.session.execute(delete(pending_changes)
                                      .where(pending_changes.c.person_id.in_(hers)))
            await uow.commit()

    async def finalise_withdrawals(self) -> int:
        """Withdrawals not undone within 7 days become final: CaseWithdrawn."""
        now, done = self._ctx.clock(), 0
        async with self._runtime.uow() as uow:
            due = await uow.cases.withdrawals_due(now)
        for case_id in due:
            async with self._runtime.uow() as uow:
                case = await uow.cases.get(case_id)
                if case is not None and case.finalise_withdrawal(now=now):
                    await uow.cases.save(case)
                    await handlers.emit_all(uow, case.events, topic=self._ctx.topics.intake,
                                            subject=case.case_id)
                    await uow.commit()
                    done += 1
        return done

    async def _send_code(self, seen: PageView, change: dict, kind: str, *, to: str | None,
                         stage: str) -> CodeSent:
        if not to:
            raise InvalidRequest("There is no contact of that kind to send a code to.",
                                 field=kind, code=f"{kind}_needed")
        await self._door.count(address=None, contact=(kind, to), page_code=True)
        change_id, code = str(uuid.uuid4()), f"{secrets.randbelow(10**6):06d}"
        async with self._runtime.uow() as uow:
            # Under her key: erasing her erases it too.
            sealed = await self._ctx.keys.seal(uow, change, rules.OWN_COPY, about=seen.person_id)
            await uow.session.execute(insert(pending_changes).values(
                change_id=change_id, person_id=seen.person_id, sealed_change=sealed.model_dump(),
                stage=stage, code_hash=secret_hash(code, salt=change_id),
                expires_at=self._ctx.clock() + door.CHANGE_LIFETIME))
            await uow.commit()
        language = change.get("language") or seen.language
        message = change_code_message(language, phone=self._phone, code=code,
                                      what=change["what"], sms=kind == door.PHONE)
        if kind == door.PHONE:
            await self._door.post.sms(to, message)
        else:
            await self._door.post.email(to, message, language=language)
        return CodeSent(change_id, kind)

    async def _apply(self, uow: UnitOfWork, seen: PageView, change: dict, now: datetime) -> None:
        what = change["what"]
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
            case = await uow.cases.get(change["case_id"])
            if case is None or case.requester_id != seen.person_id:
                raise CaseStepRefused("not her case")
            if what == "withdraw":
                case.ask_to_withdraw(now=now)
            elif what == "undo_withdrawal":
                case.undo_withdrawal(now=now)
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
            kind = door.kind_of(change["channel"])
            # The code went to this contact and came back: it is hers, and proven.
            details[kind] = seen.contact(kind)
            proven.add(kind)
            # The form shows every preference, so what it sends is the whole choice: an empty
            # time zone means "from my state", no quiet hours means the program's.
            details.update(preferred_channel=change["channel"],
                           preferred_language=change["language"],
                           time_zone=change.get("time_zone"),
                           quiet_hours=change.get("quiet_hours"))
        if seen.unproven:  # what is proven now is no longer kept apart
            still = {k: v for k, v in seen.unproven.items() if k not in proven}
            await uow.people.set_unproven(seen.person_id, await self._ctx.keys.seal(
                uow, still, rules.OWN_COPY, about=seen.person_id) if still else None)
        sealed, name = await handlers.seal_person(uow, self._ctx, seen.person_id, details,
                                                  shown_to_staff=bool(seen.cases))
        await uow.people.update(seen.person_id, sealed)
        await uow.people.set_contacts(seen.person_id, self._ctx.vault.contacts(
            email=details.get("email"), phone=details.get("phone"), confirmed=frozenset(proven)))
        await uow.emit(PersonUpdated(person_id=seen.person_id, sealed=sealed, staff_view=name,
                                     at=now), topic=self._ctx.topics.people, subject=seen.person_id)


async def remember_message(envelope: Envelope, uow: UnitOfWork) -> None:
    """What notifications sent (or could not send) to a person, for her page: no words."""
    event = envelope.data
    sent = getattr(event, "sent_at", None)
    await insert_later(uow.session, insert_or_ignore(uow.session, messages_sent, "notification_id"),
                       dict(notification_id=event.notification_id, person_id=event.recipient_id,
                            channel=event.channel.value, template=event.template,
                            outcome="sent" if sent else "failed", at=sent or event.failed_at))


def _replaces_a_contact(change: dict, seen: PageView) -> bool:
    """A new email in place of another on file: links go out by email only (texts carry
    none), and adding one where there was none replaces nothing."""
    if change["what"] != "contact" or change["kind"] != door.EMAIL:
        return False
    before = seen.details.get(change["kind"])
    return bool(before) and mailbox(before) != mailbox(change["value"])


def _change_about(row) -> str:
    """A change is sealed about her (under her key); one kept before keys, about itself."""
    sealed = row.sealed_change
    return row.person_id if sealed.get("key_id") else row.change_id


def _check(change: dict, seen: PageView) -> None:
    """The change's shape and whose it is; the program's rules are checked again on applying."""
    what = change.get("what")
    if what == "preferences":
        if change.get("channel") not in {c.value for c in Channel} or \
                change.get("language") not in {lang.value for lang in Language}:
            raise InvalidRequest("Choose a way to be reached and a language.",
                                 field="preferred_channel", code="field_invalid")
        kind = door.kind_of(change["channel"])
        if not seen.contact(kind):
            raise InvalidRequest("No contact of that kind is on file.", field="preferred_channel",
                                 code=f"{kind}_needed")
        if change.get("time_zone") and not is_time_zone(change["time_zone"]):
            raise InvalidRequest("Not a time zone.", field="time_zone", code="field_invalid")
    elif what == "notices":
        registration = next((r for r in seen.registrations if r.is_active
                             and r.registration_id == change.get("registration_id")), None)
        if registration is None:
            raise CaseStepRefused("not her registration")
        rules.check_may_register(registration.relationship,
                                 frozenset(map(CustodyNoticeKind, change["notify_on"])))
    elif what == "cancel_registration":
        if not any(r.registration_id == change.get("registration_id") and r.is_active
                   for r in seen.registrations):
            raise CaseStepRefused("not her registration")
    elif what in door.CASE_STEPS:
        if not any(c.case_id == change.get("case_id") for c in seen.cases):
            raise CaseStepRefused("not her case")
    elif what != "contact":
        raise CaseStepRefused("unknown change")
