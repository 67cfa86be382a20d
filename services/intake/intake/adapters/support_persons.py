"""Which person supports the victim of which case (ids only: their details are in ``people``)."""
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from intake.adapters.orm import support_persons


class SupportPersonRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, case_id: str, person_id: str, *, by: str, at: datetime) -> None:
        await self._session.execute(insert(support_persons).values(
            case_id=case_id, person_id=person_id, added_by=by, added_at=at))

    async def current(self, case_id: str) -> list[str]:
        """The case's support persons not removed, in the order they were added."""
        rows = await self._session.execute(
            select(support_persons.c.person_id)
            .where(support_persons.c.case_id == case_id, support_persons.c.removed_at.is_(None))
            .order_by(support_persons.c.added_at, support_persons.c.person_id))
        return list(rows.scalars())

    async def listed(self, case_id: str) -> list:
        """The case's support persons not removed: (person_id, added_by, added_at), in order."""
        s = support_persons.c
        return list(await self._session.execute(
            select(s.person_id, s.added_by, s.added_at)
            .where(s.case_id == case_id, s.removed_at.is_(None))
            .order_by(s.added_at, s.person_id)))

    async def cases_of(self, person_id: str) -> list[str]:
        """The cases the person is (still) a support person of."""
        rows = await self._session.execute(
            select(support_persons.c.case_id)
            .where(support_persons.c.person_id == person_id,
                   support_persons.c.removed_at.is_(None))
            .order_by(support_persons.c.case_id))
        return list(rows.scalars())

    async def remove(self, case_id: str, person_id: str, *, at: datetime) -> bool:
        """False when the person is not (or no longer) a support person of the case."""
        done = await self._session.execute(
            update(support_persons)
            .where(support_persons.c.case_id == case_id, support_persons.c.person_id == person_id,
                   support_persons.c.removed_at.is_(None))
            .values(removed_at=at))
        return done.rowcount == 1
