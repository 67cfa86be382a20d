"""Erasing a person for good: her data key and the keys of the cases she requested are
destroyed, so everything sealed under them, on every topic and in every store, no longer opens
anywhere; intake deletes what it kept of her, logs the erasure (ids and codes only), and
announces ``PersonErased`` with a tombstone for every grant of those keys on ``vod.keys``.

Kafka compacts only a closed segment: the due work writes every tombstone again once
``KEY_TOMBSTONE_AGAIN_AFTER_S`` has passed, which rolls the segment, so the broker removes the
grants within the minute the contract promises.
"""
from datetime import timedelta

import structlog
from sqlalchemy import delete

from vod_shared.events import PersonErased, SupportPersonRemovalReason, SupportPersonRemoved
from vod_shared.runtime import ServiceRuntime
from vod_shared.sealing import CannotUnseal
from vod_shared.topics import KEY_TOMBSTONE_AGAIN_AFTER_S

from intake.adapters.orm import pending_requests
from intake.domain import door, erasure
from intake.domain.commands import ErasedVia, ErasePerson, ErasureReason
from intake.domain.errors import PersonNotFound
from intake.service_layer.handlers import Context, emit_all
from intake.service_layer.unit_of_work import UnitOfWork

log = structlog.get_logger()


async def erase_person(command: ErasePerson, uow: UnitOfWork, ctx: Context) -> str:
    """Destroys a person's details and keys in intake and announces ``PersonErased`` (every
    service then drops its copies). Their custody registrations end; their cases' history
    stays, shown as "details erased". The support persons of the cases she requested are there
    because of her: they are taken off those cases (``SupportPersonRemoved``) and erased with
    her, in the same transaction. Erasing her again answers the same, and announces again."""
    now = ctx.clock()
    subjects = await _erase(command.person_id, command, uow, ctx, now=now)
    erased = {command.person_id: len(subjects)}
    await uow.serialize_on_all(subjects)  # no support person added to them meanwhile
    for case_id in subjects:  # the cases she requested
        for supporter in await uow.supporters.current(case_id):
            erased[supporter] = len(await _erase(supporter, command, uow, ctx, now=now,
                                                 her_cases=frozenset(subjects)))
    await uow.commit()
    # The audit lines: who, whom (a random id), why (a code), never what was erased.
    for person_id, count in erased.items():
        log.info("person.erased", person_id=person_id, reason=command.reason.value,
                 by=command.by, via=command.via.value, subjects=count,
                 with_person=None if person_id == command.person_id else command.person_id)
    return command.person_id


async def _erase(person_id: str, command: ErasePerson, uow: UnitOfWork, ctx: Context, *,
                 now, her_cases: frozenset[str] = frozenset()) -> list[str]:
    """One person's erasure, not committed; the subjects erased with them (their cases).
    ``her_cases``: the cases of the victim whose erasure takes this support person with her."""
    waiting = await _pending_for(person_id, uow, ctx)  # read while her keys are still here
    if not await uow.people.erase(person_id, now):
        raise PersonNotFound(person_id)
    if waiting:  # a request still waiting on her contact would, confirmed, bring her back
        await uow.session.execute(delete(pending_requests).where(
            pending_requests.c.contact_key.in_(waiting)))
    for case_id in await uow.supporters.cases_of(person_id):  # off every case they support
        await uow.supporters.remove(case_id, person_id, at=now)
        reason = (SupportPersonRemovalReason.VICTIM_ERASED if case_id in her_cases
                  else SupportPersonRemovalReason.SUPPORT_PERSON_ERASED)
        await uow.emit(SupportPersonRemoved(case_id=case_id, support_person_id=person_id,
                                            at=now, reason=reason),
                       topic=ctx.topics.intake, subject=case_id)
    subjects = erasure.subjects_erased_with(await uow.cases.of_person(person_id))
    await uow.cases.erase_details_of(person_id)
    await ctx.keys.destroy(uow, [person_id, *subjects], now)
    for registration in await uow.registrations.of_person(person_id):
        if registration.is_active:
            registration.cancel(now=now)
            await uow.registrations.save(registration)
            await emit_all(uow, registration.events, topic=ctx.topics.intake,
                           subject=registration.registration_id)
    await uow.emit(PersonErased(person_id=person_id, at=now, subjects=subjects),
                   topic=ctx.topics.people, subject=person_id)
    await uow.erasures.add(person_id, subjects, reason=command.reason.value,
                           by=command.by, via=command.via.value, at=now)
    return subjects


async def _pending_for(person_id: str, uow: UnitOfWork, ctx: Context) -> list[str]:
    """The keyed hashes the door's waiting requests use for her email and phone (those she
    proved and those she typed beside them), as the door makes them."""
    keys = []
    for sealed in (await uow.people.sealed(person_id), await uow.people.unproven(person_id)):
        if sealed is None:
            continue
        try:
            details = await ctx.keys.open(uow, sealed, about=person_id)
        except CannotUnseal:  # erased before, or her key already gone: nothing to find by
            continue
        keys += [ctx.vault.key_for(kind, door.one_inbox(kind, details[kind]))
                 for kind in (door.EMAIL, door.PHONE) if details.get(kind)]
    return keys


class DueErasures:
    """The erasure's part of intake's due work: the second tombstones, and (when
    ``ERASE_AFTER_CLOSED_DAYS`` is set) requesters whose cases closed long enough ago."""

    def __init__(self, *, runtime: ServiceRuntime, ctx: Context,
                 keep_after_closed: timedelta | None = None) -> None:
        self._runtime, self._ctx, self._keep = runtime, ctx, keep_after_closed

    async def tombstone_again(self) -> int:
        """Every erasure's tombstones once more, ``KEY_TOMBSTONE_AGAIN_AFTER_S`` after it."""
        now = self._ctx.clock()
        async with self._runtime.uow() as uow:
            due = await uow.erasures.to_tombstone_again(
                now - timedelta(seconds=KEY_TOMBSTONE_AGAIN_AFTER_S))
            for erased in due:
                await self._ctx.keys.tombstone(uow, [erased.person_id, *erased.subjects])
                await uow.erasures.tombstoned_again(erased.erasure_id, now)
            await uow.commit()
        return len(due)

    async def after_retention(self) -> int:
        """Erases (reason ``retention_period``) each requester whose cases all ended, the last
        closed longer ago than the retention period; none when it is not set."""
        if self._keep is None:
            return 0
        now = self._ctx.clock()
        async with self._runtime.uow() as uow:
            due = [person_id for person_id in
                   await uow.cases.requesters_closed_before(now - self._keep)
                   if erasure.due_for_erasure(await uow.cases.of_person(person_id),
                                              await uow.registrations.of_person(person_id),
                                              now=now, keep=self._keep)]
        for person_id in due:
            async with self._runtime.uow() as uow:
                await erase_person(ErasePerson(person_id=person_id,
                                               reason=ErasureReason.RETENTION_PERIOD, by=None,
                                               via=ErasedVia.RETENTION), uow, self._ctx)
        return len(due)
