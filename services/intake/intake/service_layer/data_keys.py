"""Sealing under a subject's own data key, in the unit of work that keeps or emits the value.

The first value sealed about a subject (a person, or a case) makes its key: in the same
transaction the key is stored, sealed for intake, and given to each reader on ``vod.keys``
(one ``SubjectKeyGranted`` per reader, Kafka key ``<subject>/<reader>``), so the outbox
publishes the grants before the events that use the key. Erasing destroys the key and writes
a tombstone for each grant; a subject whose key was destroyed never gets one again.
"""
from collections.abc import Callable
from datetime import datetime

import structlog

from vod_shared.events import SealedDetails
from vod_shared.person_keys import SubjectKey, grant_record_key, readers_of_keys
from vod_shared.sealing import ERASED, CannotUnseal
from vod_shared.topics import Topics

from intake.adapters.vault import Vault
from intake.domain.errors import SubjectErased
from intake.service_layer.unit_of_work import UnitOfWork

log = structlog.get_logger()


class DataKeys:
    def __init__(self, vault: Vault, topics: Topics, clock: Callable[[], datetime]) -> None:
        self.vault, self._topics, self._clock = vault, topics, clock

    async def seal(self, uow: UnitOfWork, details: dict, purpose: str, *,
                   about: str) -> SealedDetails:
        """``details`` about ``about`` (a person's or case's id), for the readers of
        ``purpose``. Raises SubjectErased for an erased subject."""
        return self.vault.seal(details, await self.key_for(uow, about), purpose)

    async def open(self, uow: UnitOfWork, sealed: SealedDetails, *, about: str) -> dict:
        """What intake sealed about ``about``; CannotUnseal (reason ``erased``) once its key
        is gone. A value stored before subjects had keys opens with intake's own key."""
        if sealed.key_id is None:
            return self.vault.open_own(sealed, about=about)
        stored = await uow.keys.by_id(sealed.key_id)
        if stored is None:
            raise CannotUnseal(ERASED, "the subject's key was destroyed")
        return self.vault.open(sealed, self.vault.key_from(
            stored.key_id, stored.subject_id, stored.sealed_secret), about=about)

    async def key_for(self, uow: UnitOfWork, subject: str) -> SubjectKey:
        if (key := uow.keys.opened.get(subject)) is not None:
            return key
        stored = await uow.keys.of_subject(subject)
        if stored is not None:
            key = self.vault.key_from(stored.key_id, stored.subject_id, stored.sealed_secret)
            uow.keys.opened[subject] = key
            return key
        if await uow.keys.is_destroyed(subject):
            raise SubjectErased(subject)
        return await self.new_subject(uow, subject)

    async def new_subject(self, uow: UnitOfWork, subject: str) -> SubjectKey:
        """The key of a subject just made (a new random id, so no key to look for, none
        destroyed), given to each reader; what is sealed about it next in this unit of work
        uses it without reading the store."""
        key, sealed_secret = self.vault.new_key(subject)
        await uow.keys.add(key.key_id, subject, sealed_secret, self._clock())
        for reader in readers_of_keys():
            await uow.emit(self.vault.grant(key, reader), topic=self._topics.keys,
                           subject=grant_record_key(subject, reader))
        uow.keys.opened[subject] = key
        return key

    async def destroy(self, uow: UnitOfWork, subjects: list[str], now: datetime) -> None:
        """Deletes the subjects' keys, remembers them, and tombstones every grant."""
        await uow.keys.destroy(subjects, now)
        await self.tombstone(uow, subjects)

    async def tombstone(self, uow: UnitOfWork, subjects: list[str]) -> None:
        """A tombstone on ``vod.keys`` for each subject and reader: compaction then removes
        the grants (a second one, later, rolls the segment so that it does)."""
        for subject in subjects:
            for reader in readers_of_keys():
                await uow.emit_tombstone(topic=self._topics.keys,
                                         key=grant_record_key(subject, reader))

    async def regrant(self, uow: UnitOfWork, reader: str) -> int:
        """Every live key given again to ``reader``, for its current key (after it rotated):
        compaction then drops the grants under its old key. Erased subjects have no key."""
        count = 0
        for stored in await uow.keys.live():
            key = self.vault.key_from(stored.key_id, stored.subject_id, stored.sealed_secret)
            await uow.emit(self.vault.grant(key, reader), topic=self._topics.keys,
                           subject=grant_record_key(stored.subject_id, reader))
            count += 1
        log.info("keys.regranted", reader=reader, count=count)
        return count
