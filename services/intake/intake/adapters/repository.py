"""Load and save intake's aggregates through a session of the unit of work."""
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.db import as_utc, insert_or_ignore
from vod_shared.events import CustodyNoticeKind, Relationship, SealedDetails
from vod_shared.person_keys import SubjectKey

from intake.adapters.orm import (
    case_notes,
    cases,
    erasures,
    messages_sent,
    pending_changes,
    people,
    person_lookups,
    reference_counters,
    registrations,
    subject_keys,
    subject_keys_destroyed,
    webhook_receipts,
)
from intake.domain.door import Contact
from intake.domain.errors import ChangedMeanwhile
from intake.domain.model import Case, CaseStatus, Hold, Registration

# The statements of a signed request, built once with bind parameters: made per call, each
# cost SQLAlchemy a new statement and its cache key (a third of its CPU for the request).
_INSERT_CASE = insert(cases)
_CASE = select(cases).where(cases.c.case_id == bindparam("case_id"))
_OPEN_CASES_OF_CONTACTS = select(cases).where(
    cases.c.requester_id.in_(select(person_lookups.c.person_id).where(
        person_lookups.c.lookup.in_(bindparam("lookups", expanding=True)))),
    cases.c.cdcr_number == bindparam("cdcr_number"),
    cases.c.status.in_([CaseStatus.OPEN, CaseStatus.PAUSED])).order_by(cases.c.opened_at)
_NEXT_REFERENCE = {
    name: dialect.insert(reference_counters)
    .values(year=bindparam("year"), last_number=1)
    .on_conflict_do_update(index_elements=[reference_counters.c.year],
                           set_={"last_number": reference_counters.c.last_number + 1})
    .returning(reference_counters.c.last_number)
    for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))}
_INSERT_PERSON = insert(people)
_INSERT_LOOKUPS = insert(person_lookups)
_INSERT_KEYS = insert(subject_keys)
_RECEIPT = select(webhook_receipts).where(webhook_receipts.c.webhook_id == bindparam("webhook_id"))
_INSERT_RECEIPT = insert(webhook_receipts)


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, case: Case, *, sealed_details: SealedDetails) -> None:
        await self._session.execute(_INSERT_CASE, dict(
            case_id=case.case_id, reference=case.reference, requester_id=case.requester_id,
            cdcr_number=case.cdcr_number, status=case.status.value, opened_at=case.opened_at,
            sealed_details=sealed_details.model_dump(),
            relationship=case.relationship and case.relationship.value))

    async def get(self, case_id: str) -> Case | None:
        row = (await self._session.execute(_CASE, {"case_id": case_id})).first()
        return _case(row) if row else None

    async def save(self, case: Case) -> None:
        """Saves only over the version that was read; else ChangedMeanwhile (try again)."""
        result = await self._session.execute(
            update(cases).where(cases.c.case_id == case.case_id, cases.c.version == case.version)
            .values(status=case.status.value, holds=sorted(case.holds), version=case.version + 1,
                    withdrawal_final_at=case.withdrawal_final_at, closed_at=case.closed_at))
        if result.rowcount != 1:
            raise ChangedMeanwhile(case.case_id)
        case.version += 1

    async def open_cases_of_contacts(self, contacts: list[Contact],
                                     cdcr_number: str) -> list[Case]:
        """The open cases about this offender requested by anyone with one of these contacts
        (their people found in the same statement), oldest first."""
        if not contacts:
            return []
        rows = await self._session.execute(_OPEN_CASES_OF_CONTACTS, {
            "lookups": [c.lookup for c in contacts], "cdcr_number": cdcr_number})
        return [_case(row) for row in rows]

    async def of_person(self, person_id: str) -> list[Case]:
        rows = await self._session.execute(
            select(cases).where(cases.c.requester_id == person_id).order_by(cases.c.opened_at))
        return [_case(row) for row in rows]

    async def add_note(self, case_id: str, *, author: str, at: datetime,
                       sealed: SealedDetails) -> None:
        await self._session.execute(insert(case_notes).values(
            case_id=case_id, author=author, written_at=at, sealed_note=sealed.model_dump()))

    async def erase_details_of(self, requester_id: str) -> None:
        """The offender's names as she told them and her notes, on each of her cases: hers."""
        await self._session.execute(update(cases).where(cases.c.requester_id == requester_id)
                                    .values(sealed_details={}))
        theirs = select(cases.c.case_id).where(cases.c.requester_id == requester_id)
        await self._session.execute(delete(case_notes).where(case_notes.c.case_id.in_(theirs)))

    async def withdrawals_due(self, now: datetime) -> list[str]:
        """Cases whose withdrawal from her page was not undone in time."""
        rows = await self._session.execute(select(cases.c.case_id).where(
            cases.c.withdrawal_final_at.is_not(None), cases.c.withdrawal_final_at <= now))
        return list(rows.scalars())

    async def requesters_closed_before(self, cutoff: datetime) -> list[str]:
        """People not yet erased who requested a case closed before ``cutoff``."""
        rows = await self._session.execute(
            select(cases.c.requester_id).distinct().join(
                people, people.c.person_id == cases.c.requester_id)
            .where(cases.c.closed_at.is_not(None), cases.c.closed_at <= cutoff,
                   people.c.erased_at.is_(None)))
        return sorted(rows.scalars())

    async def next_reference_number(self, year: int) -> int:
        """Counts up per year, atomically, on SQLite and PostgreSQL alike."""
        dialect = "sqlite" if self._session.bind.dialect.name == "sqlite" else "postgresql"
        return (await self._session.execute(_NEXT_REFERENCE[dialect], {"year": year})).scalar_one()


def _case(row) -> Case:
    return Case(row.case_id, row.reference, row.requester_id, row.cdcr_number,
                CaseStatus(row.status), row.opened_at, holds={Hold(h) for h in row.holds or ()},
                version=row.version,
                relationship=Relationship(row.relationship) if row.relationship else None,
                withdrawal_final_at=as_utc(row.withdrawal_final_at),
                closed_at=as_utc(row.closed_at))


class RegistrationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, registration: Registration) -> None:
        await self._session.execute(insert(registrations).values(
            registration_id=registration.registration_id,
            registrant_id=registration.registrant_id,
            relationship=registration.relationship.value, cdcr_number=registration.cdcr_number,
            notify_on=sorted(registration.notify_on), registered_at=registration.registered_at))

    async def get(self, registration_id: str) -> Registration | None:
        row = (await self._session.execute(select(registrations).where(
            registrations.c.registration_id == registration_id))).first()
        return _registration(row) if row else None

    async def of_person(self, person_id: str) -> list[Registration]:
        rows = await self._session.execute(
            select(registrations).where(registrations.c.registrant_id == person_id)
            .order_by(registrations.c.registered_at))
        return [_registration(row) for row in rows]

    async def save(self, registration: Registration) -> None:
        await self._session.execute(
            update(registrations)
            .where(registrations.c.registration_id == registration.registration_id)
            .values(notify_on=sorted(registration.notify_on),
                    cancelled_at=registration.cancelled_at))


def _registration(row) -> Registration:
    return Registration(row.registration_id, row.registrant_id, Relationship(row.relationship),
                        row.cdcr_number, frozenset(CustodyNoticeKind(k) for k in row.notify_on),
                        row.registered_at, cancelled_at=row.cancelled_at)


class PeopleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, person_id: str, sealed: SealedDetails, contacts: list[Contact],
                  now: datetime, *, unproven: SealedDetails | None = None) -> None:
        await self._session.execute(_INSERT_PERSON, dict(
            person_id=person_id, sealed=sealed.model_dump(), created_at=now,
            unproven=unproven and unproven.model_dump()))
        await self._add_contacts(person_id, contacts)  # a new person has none to replace

    async def unproven(self, person_id: str) -> SealedDetails | None:
        value = await self._session.scalar(select(people.c.unproven)
                                           .where(people.c.person_id == person_id))
        return SealedDetails.model_validate(value) if value else None

    async def set_unproven(self, person_id: str, sealed: SealedDetails | None) -> None:
        await self._session.execute(update(people).where(people.c.person_id == person_id)
                                    .values(unproven=sealed and sealed.model_dump()))

    async def sharing_proven_contacts(self, person_id: str) -> list[str]:
        """Everyone who proved one of the contacts this person proved: the same human, who may
        have asked more than once (her page's "sign out everywhere" covers them all)."""
        mine = select(person_lookups.c.lookup).where(person_lookups.c.person_id == person_id,
                                                     person_lookups.c.confirmed.is_(True))
        rows = await self._session.execute(
            select(person_lookups.c.person_id).distinct()
            .where(person_lookups.c.lookup.in_(mine), person_lookups.c.confirmed.is_(True)))
        return sorted({person_id, *rows.scalars()})

    async def set_contacts(self, person_id: str, contacts: list[Contact]) -> None:
        await self._session.execute(delete(person_lookups)
                                    .where(person_lookups.c.person_id == person_id))
        await self._add_contacts(person_id, contacts)

    async def _add_contacts(self, person_id: str, contacts: list[Contact]) -> None:
        if contacts:  # one statement for all of them
            await self._session.execute(_INSERT_LOOKUPS, [dict(
                lookup=contact.lookup, person_id=person_id, kind=contact.kind,
                confirmed=contact.confirmed) for contact in contacts])

    async def update(self, person_id: str, sealed: SealedDetails) -> None:
        await self._session.execute(update(people).where(people.c.person_id == person_id)
                                    .values(sealed=sealed.model_dump()))

    async def contacts(self, person_id: str) -> list[Contact]:
        rows = await self._session.execute(select(person_lookups)
                                           .where(person_lookups.c.person_id == person_id))
        return [Contact(row.kind or "", row.lookup, bool(row.confirmed)) for row in rows]

    async def erase(self, person_id: str, now: datetime) -> bool:
        """Destroys the person's details and everything that could find them again (the keyed
        hashes of their contacts); the row stays, as "details erased". False if unknown."""
        erased = await self._session.execute(
            update(people).where(people.c.person_id == person_id)
            .values(sealed=None, unproven=None, erased_at=now, links_valid_from=now))
        for table in (person_lookups, pending_changes, messages_sent):
            await self._session.execute(delete(table).where(table.c.person_id == person_id))
        return erased.rowcount == 1

    async def links_valid_from(self, person_id: str) -> datetime | None:
        return await self._session.scalar(select(people.c.links_valid_from)
                                          .where(people.c.person_id == person_id))

    async def sign_out_everywhere(self, person_ids: list[str], now: datetime) -> None:
        await self._session.execute(update(people).where(people.c.person_id.in_(person_ids))
                                    .values(links_valid_from=now))

    async def sealed(self, person_id: str) -> SealedDetails | None:
        value = await self._session.scalar(select(people.c.sealed)
                                           .where(people.c.person_id == person_id))
        return SealedDetails.model_validate(value) if value else None


@dataclass(frozen=True)
class StoredKey:
    key_id: str
    subject_id: str
    sealed_secret: str  # a SealedDetails as JSON, for intake alone, about key_id


class SubjectKeyRepository:
    """The data keys of people and cases, and the subjects whose key was destroyed."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # The keys this transaction has read or made: a request seals several things under
        # one subject's key, and each would otherwise read it again.
        self._known: dict[str, StoredKey] = {}
        # ... and opened (by the data keys' service), so each is unsealed once
        self.opened: dict[str, SubjectKey] = {}
        # Keys made and not yet written: all in one statement, before the next read of the
        # table or at commit (``flush``)
        self._unwritten: list[dict] = []

    async def flush(self) -> None:
        """Writes the keys made since the last flush. A second key for one subject fails here
        on the unique subject (two requests at once: the loser reads again and takes the
        winner's)."""
        rows, self._unwritten = self._unwritten, []
        if rows:
            await self._session.execute(_INSERT_KEYS, rows)

    async def of_subject(self, subject_id: str) -> StoredKey | None:
        if subject_id in self._known:
            return self._known[subject_id]
        await self.flush()
        row = (await self._session.execute(select(subject_keys).where(
            subject_keys.c.subject_id == subject_id))).first()
        if row is None:
            return None
        self._known[subject_id] = _stored_key(row)
        return self._known[subject_id]

    async def by_id(self, key_id: str) -> StoredKey | None:
        await self.flush()
        row = (await self._session.execute(select(subject_keys).where(
            subject_keys.c.key_id == key_id))).first()
        return _stored_key(row) if row else None

    async def add(self, key_id: str, subject_id: str, sealed_secret: SealedDetails,
                  now: datetime) -> None:
        """Written at the next ``flush`` (see there)."""
        stored = StoredKey(key_id, subject_id, sealed_secret.model_dump_json())
        self._unwritten.append(dict(key_id=key_id, subject_id=subject_id,
                                    sealed_secret=stored.sealed_secret, created_at=now))
        self._known[subject_id] = stored

    async def is_destroyed(self, subject_id: str) -> bool:
        return await self._session.scalar(select(subject_keys_destroyed.c.subject_id).where(
            subject_keys_destroyed.c.subject_id == subject_id)) is not None

    async def destroy(self, subject_ids: list[str], now: datetime) -> None:
        """Deletes the subjects' keys (what was sealed under them no longer opens anywhere)
        and remembers them, so no key is made for them again."""
        await self.flush()
        for subject_id in subject_ids:
            self._known.pop(subject_id, None)
            self.opened.pop(subject_id, None)
        await self._session.execute(delete(subject_keys)
                                    .where(subject_keys.c.subject_id.in_(subject_ids)))
        for subject_id in subject_ids:
            await self._session.execute(insert_or_ignore(
                self._session, subject_keys_destroyed, "subject_id", subject_id=subject_id,
                destroyed_at=now))

    async def live(self) -> list[StoredKey]:
        await self.flush()
        rows = await self._session.execute(select(subject_keys).order_by(subject_keys.c.created_at,
                                                                         subject_keys.c.key_id))
        return [_stored_key(row) for row in rows]


def _stored_key(row) -> StoredKey:
    return StoredKey(row.key_id, row.subject_id, row.sealed_secret)


@dataclass(frozen=True)
class Erasure:
    erasure_id: int
    person_id: str
    subjects: list[str]
    at: datetime


class ErasureLog:
    """Who was erased, why, by whom, when: ids and codes, never a detail."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, person_id: str, subjects: list[str], *, reason: str, by: str | None,
                  via: str, at: datetime) -> None:
        await self._session.execute(insert(erasures).values(
            person_id=person_id, subjects=subjects, reason=reason, by=by, via=via, at=at))

    async def to_tombstone_again(self, erased_before: datetime) -> list[Erasure]:
        rows = await self._session.execute(
            select(erasures).where(erasures.c.tombstoned_again_at.is_(None),
                                   erasures.c.at <= erased_before).order_by(erasures.c.erasure_id))
        return [Erasure(row.erasure_id, row.person_id, list(row.subjects), as_utc(row.at))
                for row in rows]

    async def tombstoned_again(self, erasure_id: int, at: datetime) -> None:
        await self._session.execute(update(erasures).where(erasures.c.erasure_id == erasure_id)
                                    .values(tombstoned_again_at=at))


class WebhookReceipts:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, webhook_id: str) -> tuple[int, dict] | None:
        row = (await self._session.execute(_RECEIPT, {"webhook_id": webhook_id})).first()
        return (row.status_code, row.response) if row else None

    async def add(self, webhook_id: str, endpoint: str, status_code: int, response: dict) -> None:
        await self._session.execute(_INSERT_RECEIPT, dict(
            webhook_id=webhook_id, endpoint=endpoint, status_code=status_code,
            response=response, received_at=datetime.now(timezone.utc)))
