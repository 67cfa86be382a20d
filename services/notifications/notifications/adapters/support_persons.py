"""The support persons of each case, as notifications writes to them (ids and codes)."""
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.db import insert_or_ignore
from vod_shared.events import Channel, Language

from notifications.adapters.orm import deliveries, support_persons as sp
from notifications.domain.delivery import Status
from notifications.domain.support_persons import SupportPerson


class SupportPersons:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, case_id: str, person: SupportPerson, *, at: datetime) -> None:
        """Once: a redelivery, or one removed already, changes nothing."""
        await self._session.execute(insert_or_ignore(
            self._session, sp, case_id=case_id, person_id=person.person_id,
            language=person.language.value, channel=person.channel.value, added_at=at))

    async def remove(self, case_id: str, person_id: str, *, at: datetime) -> None:
        await self._session.execute(update(sp).where(
            sp.c.case_id == case_id, sp.c.person_id == person_id, sp.c.removed_at.is_(None))
            .values(removed_at=at))

    async def of_case(self, case_id: str) -> list[SupportPerson]:
        rows = await self._session.execute(
            select(sp).where(sp.c.case_id == case_id, sp.c.removed_at.is_(None))
            .order_by(sp.c.added_at, sp.c.person_id))
        return [SupportPerson(r.person_id, Language(r.language), Channel(r.channel))
                for r in rows]

    async def waiting_for(self, case_id: str, person_id: str) -> list[str]:
        """Their deliveries about the case that have not gone yet (ids)."""
        rows = await self._session.execute(select(deliveries.c.id).where(
            deliveries.c.subject == case_id, deliveries.c.recipient_id == person_id,
            deliveries.c.status.in_((Status.PENDING.value, Status.PAUSED.value))))
        return list(rows.scalars())
