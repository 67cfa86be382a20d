"""Which joint dialogue (group) each linked case is in."""
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.adapters.orm import cases, dialogue_groups
from scheduling.adapters.serialization import utc
from scheduling.domain.errors import NotNow


class DialogueGroups:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def group_of(self, case_id: str) -> str | None:
        return await self._session.scalar(select(dialogue_groups.c.group_id).where(
            dialogue_groups.c.case_id == case_id))

    async def members(self, group_id: str) -> list[str]:
        """The cases in the group, in the order they joined."""
        return list((await self._session.execute(select(dialogue_groups.c.case_id).where(
            dialogue_groups.c.group_id == group_id).order_by(dialogue_groups.c.position)))
            .scalars())

    async def add(self, group_id: str, case_id: str, at: datetime) -> None:
        position = await self._session.scalar(select(func.count()).select_from(dialogue_groups)
                                              .where(dialogue_groups.c.group_id == group_id))
        try:
            await self._session.execute(insert(dialogue_groups).values(
                case_id=case_id, group_id=group_id, position=position, linked_at=utc(at)))
        except IntegrityError:  # linked at the same moment by someone else (one row a case)
            raise NotNow("That case was just linked to a dialogue by someone else.") from None

    async def remove(self, case_id: str) -> None:
        await self._session.execute(delete(dialogue_groups).where(
            dialogue_groups.c.case_id == case_id))

    async def case_named(self, text: str) -> str | None:
        """The case with this VOD reference (any case) or id."""
        text = text.strip()
        return await self._session.scalar(select(cases.c.case_id).where(
            (cases.c.reference == text.upper()) | (cases.c.case_id == text)).limit(1))
