"""What intake's staff pages show: requests waiting for confirmation, cases and registrations
(no personal data), and, one click further and audited, a case's contact details and notes for
the staff who call the victim."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from vod_shared.db import as_utc
from vod_shared.events import SealedDetails
from vod_shared.sealing import CannotUnseal

from intake.adapters.staff_reads import AuditEntry, StaffReads
from intake.service_layer.data_keys import DataKeys

# What a staff member who calls her needs, in the order they need it.
CONTACT_FIELDS = (("given_name", "Given name"), ("family_name", "Family name"),
                  ("phone", "Phone"), ("email", "Email"),
                  ("preferred_channel", "Prefers"), ("preferred_language", "Language"),
                  ("state", "State she lives in"))


# What staff arranging the dialogue need of a support person, in that order.
SUPPORT_FIELDS = (("given_name", "Given name"), ("family_name", "Family name"),
                  ("relationship", "To her"), ("phone", "Phone"), ("email", "Email"),
                  ("preferred_channel", "Prefers"), ("preferred_language", "Language"))


@dataclass(frozen=True)
class SupportPersonShown:
    person_id: str
    added_by: str
    added_at: datetime
    person: list[tuple[str, str]] | None   # None: erased


@dataclass(frozen=True)
class Caller:
    username: str | None
    address: str
    method: str
    path: str


@dataclass(frozen=True)
class Contact:
    case: object
    person: list[tuple[str, str]] | None   # None: erased
    offender_names: str | None
    notes: str | None
    staff_notes: list[tuple[str, datetime, str | None]]


class StaffDesk:
    def __init__(self, *, uow: Callable, keys: DataKeys, clock: Callable[[], datetime]) -> None:
        self._uow, self._keys, self._clock = uow, keys, clock

    async def overview(self) -> dict:
        async with self._uow() as uow:
            reads = StaffReads(uow.session)
            return {"pending": await reads.pending(), "cases": await reads.cases(),
                    "registrations": await reads.registrations()}

    async def case(self, case_id: str):
        async with self._uow() as uow:
            return await uow.cases.get(case_id)

    async def record(self, caller: Caller, action: str, outcome: str, *,
                     case_id: str | None = None, detail: str | None = None) -> None:
        async with self._uow() as uow:
            await StaffReads(uow.session).audit(self._entry(caller, action, outcome, case_id,
                                                            detail))
            await uow.commit()

    async def contact(self, case_id: str, caller: Caller) -> Contact | None:
        """The case's contact details and notes, opened; the read is audited in the same
        transaction (no view without its entry). None: no such case (the try is audited)."""
        async with self._uow() as uow:
            reads = StaffReads(uow.session)
            case = await uow.cases.get(case_id)
            if case is None:
                await reads.audit(self._entry(caller, "contact.read", "refused_not_found",
                                              case_id))
                await uow.commit()
                return None
            person = await self._open(uow, await uow.people.sealed(case.requester_id),
                                      case.requester_id)
            told = await self._open(uow, _sealed(await reads.case_details(case_id)), case_id)
            staff_notes = []
            for author, at, sealed in await reads.notes(case_id):
                opened = await self._open(uow, _sealed(sealed), case_id)
                staff_notes.append((author, as_utc(at), (opened or {}).get("note")))
            await reads.audit(self._entry(caller, "contact.read", "done", case_id))
            await uow.commit()
        names = " ".join(filter(None, ((told or {}).get("offender_given_name"),
                                       (told or {}).get("offender_family_name"))))
        return Contact(case, None if person is None else [
            (label, str(person[key])) for key, label in CONTACT_FIELDS if person.get(key)],
            names or None, (told or {}).get("notes"), staff_notes)

    async def support_persons(self, case_id: str) -> list | None:
        """The case's support persons (ids, added when and by whom); None: no such case."""
        async with self._uow() as uow:
            if await uow.cases.get(case_id) is None:
                return None
            return await uow.supporters.listed(case_id)

    async def support_person_details(self, case_id: str,
                                     caller: Caller) -> list[SupportPersonShown] | None:
        """The case's support persons' names and contacts, opened; the read audited in the same
        transaction. None: no such case (the try is audited)."""
        async with self._uow() as uow:
            reads = StaffReads(uow.session)
            if await uow.cases.get(case_id) is None:
                await reads.audit(self._entry(caller, "support_person.read",
                                              "refused_not_found", case_id))
                await uow.commit()
                return None
            shown = []
            for person_id, added_by, added_at in await uow.supporters.listed(case_id):
                person = await self._open(uow, await uow.people.sealed(person_id), person_id)
                shown.append(SupportPersonShown(person_id, added_by, as_utc(added_at), None
                                                if person is None else [
                    (label, str(person[key])) for key, label in SUPPORT_FIELDS
                    if person.get(key)]))
            await reads.audit(self._entry(caller, "support_person.read", "done", case_id))
            await uow.commit()
        return shown

    async def audit_log(self, caller: Caller, **query) -> tuple[int, list[AuditEntry]]:
        """The audit log, newest first, for an admin; the reading is itself an entry."""
        async with self._uow() as uow:
            reads = StaffReads(uow.session)
            found = await reads.audit_entries(**query)
            await reads.audit(self._entry(caller, "audit.read", "done", query.get("case_id")))
            await uow.commit()
            return found

    async def audit_of(self, case_id: str) -> list[AuditEntry]:
        async with self._uow() as uow:
            return await StaffReads(uow.session).audit_of(case_id)

    async def _open(self, uow, sealed: SealedDetails | None, about: str) -> dict | None:
        if sealed is None:
            return None
        try:
            return await self._keys.open(uow, sealed, about=about)
        except CannotUnseal:  # erased: its key is gone
            return None

    def entry(self, caller: Caller, action: str, outcome: str, *, case_id: str | None = None,
              detail: str | None = None) -> AuditEntry:
        """An audit entry as of now (a decision's, for its handler to commit with it)."""
        return self._entry(caller, action, outcome, case_id, detail)

    def _entry(self, caller: Caller, action: str, outcome: str, case_id: str | None,
               detail: str | None = None) -> AuditEntry:
        return AuditEntry(self._clock().astimezone(timezone.utc), caller.username, action, outcome, caller.address,
                          case_id, caller.method, caller.path, detail)


def _sealed(value) -> SealedDetails | None:
    return SealedDetails.model_validate(value) if value else None
