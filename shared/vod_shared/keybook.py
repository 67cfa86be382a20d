"""A reader's copy of the data keys intake gave it (``vod.keys``), in the reader's own store.

Each copy holds only the purpose keys this service may use, sealed under the service's own key
(so a copy of the database alone opens nothing). ``open`` reads a value intake sealed under a
person's (or case's) key: the signature first, then the key. A person erased (``PersonErased``)
loses every copy here at once and is remembered as erased, so a grant that arrives late is not
kept; a value under an erased key raises ``CannotUnseal`` with reason ``erased``.

A value whose key has not arrived yet (the grant travels on another topic, so it can be a
moment behind) raises ``KeyNotHereYet``: the consumer waits for it, then parks the event.
"""
import base64
from collections.abc import Iterable, Mapping
from datetime import datetime

import structlog
from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.consumer import NotYet
from vod_shared.db import insert_or_ignore
from vod_shared.events.people import SealedDetails, SubjectKeyGranted
from vod_shared.person_keys import KEY_MAKER, check_sealer, open_grant, open_under
from vod_shared.sealing import ERASED, CannotUnseal, Keyring

log = structlog.get_logger("vod.keybook")
key_metadata = MetaData()

held_keys = Table(
    "held_keys", key_metadata,
    Column("key_id", String(64), primary_key=True),
    Column("subject_id", String(64), nullable=False, index=True),
    # {purpose: key} sealed by and for this service (SealedDetails as JSON), about key_id
    Column("sealed_keys", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)
erased_subjects = Table(
    "erased_subjects", key_metadata,
    Column("subject_id", String(64), primary_key=True),
    Column("erased_at", DateTime(timezone=True), nullable=False),
)


class KeyNotHereYet(NotYet, CannotUnseal):
    def __init__(self, key_id: str) -> None:
        CannotUnseal.__init__(self, "key_not_here_yet", f"no key {key_id[:12]}… yet")


class KeyBook:
    def __init__(self, keyring: Keyring, *, senders: tuple[str, ...] = (KEY_MAKER,)) -> None:
        self.keyring = keyring
        self._senders = senders

    def check(self, sealed: SealedDetails, *, about: str) -> None:
        """Refuses (CannotUnseal) a value not sealed by intake about ``about``: needs no key."""
        check_sealer(sealed, keyring=self.keyring, senders=self._senders, about=about)

    async def held(self, session: AsyncSession, key_ids: Iterable[str]) -> dict:
        """The held keys of ``key_ids`` there are, by id, in one statement: for ``open``'s
        ``held`` when many values are opened at once (a sender's batch)."""
        rows = await session.execute(select(held_keys).where(
            held_keys.c.key_id.in_([key_id for key_id in key_ids if key_id])))
        return {row.key_id: row for row in rows}

    async def open(self, session: AsyncSession, sealed: SealedDetails, *, about: str,
                   held: Mapping | None = None) -> dict:
        """``held``: the keys ``held()`` read beforehand; one not among them is looked up."""
        self.check(sealed, about=about)
        row = held.get(sealed.key_id) if held is not None else None
        if row is None:
            row = (await session.execute(select(held_keys).where(
                held_keys.c.key_id == sealed.key_id))).one_or_none()
        if row is None:
            if await self.is_erased(session, about):
                raise CannotUnseal(ERASED, "the subject was erased")
            raise KeyNotHereYet(sealed.key_id or "")
        keys = self._read(row)
        return open_under(sealed, keys, subject=row.subject_id, about=about)

    async def keep(self, session: AsyncSession, granted: SubjectKeyGranted,
                   now: datetime) -> bool:
        """Keeps the keys of a grant to this service; False (and nothing kept) for a grant to
        another service, for an erased subject, or one wrapped for a key of ours since
        retired (a newer grant replaces it). Raises CannotUnseal for a forged grant."""
        if granted.reader != self.keyring.service:
            return False
        if await self.is_erased(session, granted.subject_id):
            log.info("keybook.grant_after_erasure_ignored")
            return False
        try:
            keys = open_grant(granted, keyring=self.keyring)
        except CannotUnseal as exc:
            if exc.reason == "key_retired":
                log.info("keybook.grant_for_retired_key_ignored")
                return False
            raise
        sealed = self.keyring.seal({p: base64.b64encode(k).decode() for p, k in keys.items()},
                                   (self.keyring.service,), about=granted.key_id)
        values = {"subject_id": granted.subject_id, "sealed_keys": sealed.model_dump_json(),
                  "received_at": now}
        inserted = await session.execute(insert_or_ignore(
            session, held_keys, "key_id", key_id=granted.key_id, **values))
        if not inserted.rowcount:
            await session.execute(held_keys.update().where(
                held_keys.c.key_id == granted.key_id).values(**values))
        return True

    async def erase(self, session: AsyncSession, subjects: Iterable[str], now: datetime) -> None:
        """Deletes every key held for ``subjects`` and remembers them as erased."""
        subjects = list(dict.fromkeys(subjects))
        await session.execute(delete(held_keys).where(held_keys.c.subject_id.in_(subjects)))
        for subject in subjects:
            await session.execute(insert_or_ignore(session, erased_subjects, "subject_id",
                                                   subject_id=subject, erased_at=now))

    async def is_erased(self, session: AsyncSession, subject: str) -> bool:
        return (await session.execute(select(erased_subjects.c.subject_id).where(
            erased_subjects.c.subject_id == subject))).first() is not None

    async def rewrap(self, session: AsyncSession) -> int:
        """Seals every held key again under this service's current key (after a rotation);
        returns how many were re-wrapped."""
        done = 0
        for row in (await session.execute(select(held_keys))).all():
            sealed = SealedDetails.model_validate_json(row.sealed_keys)
            if self.keyring.sealed_with_current_key(sealed):
                continue
            again = self.keyring.reseal(sealed, about=row.key_id)
            await session.execute(held_keys.update().where(
                held_keys.c.key_id == row.key_id).values(sealed_keys=again.model_dump_json()))
            done += 1
        return done

    def _read(self, row) -> dict[str, bytes]:
        sealed = SealedDetails.model_validate_json(row.sealed_keys)
        keys = self.keyring.unseal(sealed, senders=(self.keyring.service,), about=row.key_id)
        return {purpose: base64.b64decode(value) for purpose, value in keys.items()}


def create_key_tables() -> None:
    """For a service's migration: the tables of held keys and erased subjects."""
    from alembic import op
    key_metadata.create_all(op.get_bind())


def drop_key_tables() -> None:
    from alembic import op
    key_metadata.drop_all(op.get_bind())


__all__ = ["KeyBook", "KeyNotHereYet", "held_keys", "erased_subjects", "create_key_tables",
           "drop_key_tables"]
