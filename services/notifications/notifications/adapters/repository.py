"""Load and save what notifications knows, through a session of the unit of work.

Every instant is stored in UTC (SQLite keeps no offset) and read back as UTC.
"""
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.db import insert_or_ignore
from vod_shared.envelope import Envelope, from_kafka, to_kafka
from vod_shared.events import Channel, CustodyNoticeKind, Language, Relationship, SealedDetails
from vod_shared.unit_of_work import insert_later

from notifications.adapters.orm import (
    cases,
    contacts,
    custody_changes,
    delivery_settlements,
    erased_people,
    inbound_sms,
    observed_events,
    parked_events,
    registrations,
    sms_opt_outs,
)
from notifications.domain.model import Case, CaseState, Registration


# Built once: the sender reads its claims' contacts with it in every transaction of a fan-out.
_CONTACTS_AND_OPT_OUTS = (
    select(contacts.c.person_id, contacts.c.sealed,
           sms_opt_outs.c.person_id.is_not(None).label("opted_out"))
    .outerjoin(sms_opt_outs, sms_opt_outs.c.person_id == contacts.c.person_id)
    .where(contacts.c.person_id.in_(bindparam("ids", expanding=True))))


def utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)


def as_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else utc(moment)


# In a session's info while a consumer's batch has read ahead (``load``): who follows each
# offender read (cdcr number -> registrations), and which people were checked for erasure and
# which of them were erased. Any write to what they answer drops them: reads go to the store.
_FOLLOWING = "notifications.following"
_ERASED = "notifications.erased"
# Likewise: cases read (case id -> row, None: no such case), and the case ids checked for
# parked events with those that have some
_CASES = "notifications.cases"
_PARKED = "notifications.parked"


class _Repository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session


class ObservedEvents(_Repository):
    async def add(self, envelope: Envelope, now: datetime) -> None:
        await insert_later(self._session, insert_or_ignore(self._session, observed_events), dict(
            event_id=envelope.id, event_type=envelope.type, subject=envelope.subject,
            occurred_at=utc(envelope.time), observed_at=utc(now)))


class People(_Repository):
    """Contacts, sealed as received; and the ids of people erased."""

    async def save_contact(self, person_id: str, sealed: SealedDetails, at: datetime) -> None:
        current = await self._session.scalar(
            select(contacts.c.updated_at).where(contacts.c.person_id == person_id))
        if current is not None and as_utc(current) > utc(at):
            return  # an older version read late
        await self._session.execute(delete(contacts).where(contacts.c.person_id == person_id))
        await self._session.execute(insert(contacts).values(
            person_id=person_id, sealed=sealed.model_dump_json(), updated_at=utc(at)))

    async def contact(self, person_id: str) -> SealedDetails | None:
        sealed = await self._session.scalar(
            select(contacts.c.sealed).where(contacts.c.person_id == person_id))
        return SealedDetails.model_validate_json(sealed) if sealed else None

    async def all_contacts(self) -> list[tuple[str, SealedDetails]]:
        rows = await self._session.execute(select(contacts.c.person_id, contacts.c.sealed))
        return [(r.person_id, SealedDetails.model_validate_json(r.sealed)) for r in rows]

    async def is_erased(self, person_id: str) -> bool:
        return await self._session.scalar(
            select(erased_people.c.person_id).where(erased_people.c.person_id == person_id)
        ) is not None

    async def erase(self, person_id: str, now: datetime) -> None:
        """Forgets everything held about the person but the fact that the id was erased."""
        for read_ahead in (_ERASED, _FOLLOWING, _CASES):
            self._session.info.pop(read_ahead, None)
        for table, column in ((contacts, contacts.c.person_id),
                              (sms_opt_outs, sms_opt_outs.c.person_id),
                              (inbound_sms, inbound_sms.c.person_id),
                              (registrations, registrations.c.registrant_id),
                              (cases, cases.c.requester_id)):
            await self._session.execute(delete(table).where(column == person_id))
        await self._session.execute(insert_or_ignore(
            self._session, erased_people, person_id=person_id, erased_at=utc(now)))

    async def contacts_and_opt_outs(self, person_ids: Iterable[str]
                                    ) -> tuple[dict[str, SealedDetails], set[str]]:
        """``contact`` and ``opted_out_of_sms`` for many people in one statement: the contacts
        there are, by id, and who of them opted out of texts (one without a contact is held
        anyway)."""
        rows = await self._session.execute(_CONTACTS_AND_OPT_OUTS, {"ids": list(person_ids)})
        found, opted_out = {}, set()
        for row in rows:
            found[row.person_id] = SealedDetails.model_validate_json(row.sealed)
            if row.opted_out:
                opted_out.add(row.person_id)
        return found, opted_out

    async def erased_among(self, person_ids: Iterable[str]) -> set[str]:
        """Those of ``person_ids`` who were erased, in one statement (none if ``load_erased``
        checked them all already)."""
        wanted = set(person_ids)
        checked, erased = self._session.info.get(_ERASED, (set(), set()))
        if wanted <= checked:
            return wanted & erased
        return set((await self._session.execute(select(erased_people.c.person_id).where(
            erased_people.c.person_id.in_(list(wanted))))).scalars())

    async def load_erased(self, person_ids: Iterable[str]) -> None:
        """``erased_among`` for a batch's people, read at once; later calls about them answer
        from it until someone is erased. Only for a transaction holding the store's write lock
        (SQLite): no one else changes them meanwhile."""
        wanted = set(person_ids)
        if wanted:
            self._session.info[_ERASED] = (wanted, set((await self._session.execute(
                select(erased_people.c.person_id).where(
                    erased_people.c.person_id.in_(list(wanted))))).scalars()))

    async def opted_out_of_sms(self, person_id: str) -> bool:
        return await self._session.scalar(
            select(sms_opt_outs.c.person_id).where(sms_opt_outs.c.person_id == person_id)
        ) is not None

    async def opt_out_of_sms(self, person_id: str, now: datetime) -> None:
        await self._session.execute(insert_or_ignore(
            self._session, sms_opt_outs, person_id=person_id, since=utc(now)))

    async def opt_in_to_sms(self, person_id: str) -> None:
        await self._session.execute(delete(sms_opt_outs).where(sms_opt_outs.c.person_id == person_id))


_INSERT_CASE = insert(cases)  # one object: a batch's new cases kept back together


class Cases(_Repository):
    async def get(self, case_id: str) -> Case | None:
        read_ahead = self._session.info.get(_CASES, {})
        if case_id in read_ahead:
            row = read_ahead[case_id]
        else:
            row = (await self._session.execute(
                select(cases).where(cases.c.case_id == case_id))).first()
        if row is None:
            return None
        return Case(row.case_id, row.reference, row.requester_id, row.cdcr_number,
                    Language(row.language), Channel(row.channel), CaseState(row.state),
                    bool(row.withdrawal_pending))

    async def load(self, case_ids: Iterable[str]) -> list[str]:
        """``get`` for a batch's cases in one statement; later calls about them answer from it
        until the case is written. Only for a transaction holding the store's write lock
        (SQLite). Returns the requesters of those found."""
        wanted = set(case_ids)
        found = {row.case_id: row for row in (await self._session.execute(
            select(cases).where(cases.c.case_id.in_(list(wanted))))).all()} if wanted else {}
        self._session.info[_CASES] = {case_id: found.get(case_id) for case_id in wanted}
        return [row.requester_id for row in found.values()]

    async def add(self, case: Case) -> None:
        self._session.info.get(_CASES, {}).pop(case.case_id, None)
        await insert_later(self._session, _INSERT_CASE, dict(
            case_id=case.case_id, reference=case.reference, requester_id=case.requester_id,
            cdcr_number=case.cdcr_number, language=case.language.value,
            channel=case.channel.value, state=case.state.value,
            withdrawal_pending=case.withdrawal_pending))

    async def save(self, case: Case) -> None:
        self._session.info.get(_CASES, {}).pop(case.case_id, None)
        await self._session.execute(update(cases).where(cases.c.case_id == case.case_id)
                                    .values(state=case.state.value,
                                            withdrawal_pending=case.withdrawal_pending))


class Registrations(_Repository):
    async def get(self, registration_id: str) -> Registration | None:
        row = (await self._session.execute(select(registrations).where(
            registrations.c.registration_id == registration_id))).first()
        return _registration(row) if row else None

    async def add(self, registration: Registration) -> None:
        self._session.info.pop(_FOLLOWING, None)
        await self._session.execute(insert(registrations).values(
            registration_id=registration.registration_id,
            registrant_id=registration.registrant_id,
            relationship=registration.relationship.value,
            cdcr_number=registration.cdcr_number.upper(),
            notify_on=",".join(sorted(registration.notify_on)),
            language=registration.language.value, channel=registration.channel.value,
            received_at=utc(registration.received_at),
            cancelled_at=_utc_or_none(registration.cancelled_at)))

    async def save(self, registration: Registration) -> None:
        """What the registrant may change from her page: the kinds, or cancel it."""
        self._session.info.pop(_FOLLOWING, None)
        await self._session.execute(update(registrations).where(
            registrations.c.registration_id == registration.registration_id).values(
            notify_on=",".join(sorted(registration.notify_on)),
            cancelled_at=_utc_or_none(registration.cancelled_at)))

    async def following(self, cdcr_number: str) -> list[Registration]:
        read_ahead = self._session.info.get(_FOLLOWING, {})
        if cdcr_number.upper() in read_ahead:
            return list(read_ahead[cdcr_number.upper()])
        rows = await self._session.execute(select(registrations).where(
            registrations.c.cdcr_number == cdcr_number.upper()))
        return [_registration(row) for row in rows]

    async def load_following(self, cdcr_numbers: Iterable[str]) -> list[Registration]:
        """``following`` for a batch's offenders in one statement; later calls about them
        answer from it until a registration is added, changed or erased. Only for a
        transaction holding the store's write lock (SQLite). Returns those read."""
        wanted = {number.upper() for number in cdcr_numbers}
        read_ahead: dict[str, list[Registration]] = {number: [] for number in wanted}
        rows = await self._session.execute(select(registrations).where(
            registrations.c.cdcr_number.in_(list(wanted)))) if wanted else []
        for row in rows:
            read_ahead[row.cdcr_number].append(_registration(row))
        self._session.info[_FOLLOWING] = read_ahead
        return [registration for found in read_ahead.values() for registration in found]


def _registration(row) -> Registration:
    return Registration(
        row.registration_id, row.registrant_id, Relationship(row.relationship), row.cdcr_number,
        frozenset(CustodyNoticeKind(k) for k in row.notify_on.split(",") if k),
        Language(row.language), Channel(row.channel), as_utc(row.received_at),
        as_utc(row.cancelled_at))


def _utc_or_none(moment: datetime | None) -> datetime | None:
    return utc(moment) if moment else None


class CustodyLog(_Repository):
    async def add(self, event_id: str, cdcr_number: str, reported_at: datetime,
                  payload: dict) -> None:
        await insert_later(self._session, insert_or_ignore(self._session, custody_changes), dict(
            event_id=event_id, cdcr_number=cdcr_number.upper(), reported_at=utc(reported_at),
            payload=json.dumps(payload)))

    async def reported_since(self, cdcr_number: str, since: datetime) -> list[tuple[str, dict]]:
        rows = await self._session.execute(
            select(custody_changes.c.event_id, custody_changes.c.payload)
            .where(custody_changes.c.cdcr_number == cdcr_number.upper(),
                   custody_changes.c.reported_at > utc(since))
            .order_by(custody_changes.c.reported_at))
        return [(r.event_id, json.loads(r.payload)) for r in rows]


class InboundTexts(_Repository):
    async def seen(self, message_sid: str) -> bool:
        return await self._session.scalar(select(inbound_sms.c.message_sid).where(
            inbound_sms.c.message_sid == message_sid)) is not None

    async def add(self, *, message_sid: str, person_id: str | None, received_at: datetime,
                  reply: str, sealed: SealedDetails) -> None:
        await self._session.execute(insert(inbound_sms).values(
            message_sid=message_sid, person_id=person_id, received_at=utc(received_at),
            reply=reply, sealed=sealed.model_dump_json()))

    async def latest(self, limit: int = 100) -> list:
        rows = await self._session.execute(
            select(inbound_sms).order_by(inbound_sms.c.received_at.desc()).limit(limit))
        return list(rows)


class ParkedEvents(_Repository):
    async def park(self, envelope: Envelope, case_id: str, now: datetime) -> None:
        self._session.info.pop(_PARKED, None)
        await self._session.execute(insert_or_ignore(
            self._session, parked_events, event_id=envelope.id, case_id=case_id,
            value=to_kafka(envelope).value.decode(), parked_at=utc(now)))

    async def take(self, case_id: str) -> list[Envelope]:
        """The events parked for the case, in the order they arrived (the sequence, not the
        wall clock, which may step back); they are no longer parked."""
        checked, some = self._session.info.get(_PARKED, (set(), set()))
        if case_id in checked and case_id not in some:
            return []
        rows = (await self._session.execute(
            select(parked_events.c.value).where(parked_events.c.case_id == case_id)
            .order_by(parked_events.c.seq))).scalars().all()
        await self._session.execute(delete(parked_events).where(parked_events.c.case_id == case_id))
        return [from_kafka(value.encode()) for value in rows]

    async def load(self, case_ids: Iterable[str]) -> None:
        """Which of a batch's cases have events parked, in one statement: ``take`` of one
        without then reads nothing, until an event is parked. Only for a transaction holding
        the store's write lock (SQLite)."""
        wanted = set(case_ids)
        some = set((await self._session.execute(select(parked_events.c.case_id).where(
            parked_events.c.case_id.in_(list(wanted))))).scalars()) if wanted else set()
        self._session.info[_PARKED] = (wanted, some)


@dataclass(frozen=True)
class SettlementEntry:
    delivery_id: str
    at: datetime
    username: str
    outcome: str
    note_code: str | None


class Settlements(_Repository):
    """Unknown deliveries staff settled: appended to, never changed (the store refuses it)."""

    async def add(self, *, delivery_id: str, at: datetime, username: str, outcome: str,
                  note_code: str | None) -> None:
        await self._session.execute(insert(delivery_settlements).values(
            delivery_id=delivery_id, at=utc(at), username=username[:64], outcome=outcome,
            note_code=note_code))

    async def latest(self, *, delivery_id: str | None = None,
                     limit: int = 200) -> list[SettlementEntry]:
        query = select(delivery_settlements).order_by(delivery_settlements.c.seq.desc())
        if delivery_id:
            query = query.where(delivery_settlements.c.delivery_id == delivery_id)
        rows = await self._session.execute(query.limit(limit))
        return [SettlementEntry(r.delivery_id, as_utc(r.at), r.username, r.outcome, r.note_code)
                for r in rows]
