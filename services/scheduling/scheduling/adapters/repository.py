from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.adapters.orm import cases
from scheduling.domain.model import SchedulingCase, Stage


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, case_id: str) -> SchedulingCase | None:
        row = (await self._session.execute(select(cases).where(cases.c.case_id == case_id))).first()
        if row is None:
            return None
        return SchedulingCase(row.case_id, row.cdcr_number, Stage(row.stage), row.opened_at,
                              row.updated_at)

    async def add(self, case: SchedulingCase) -> None:
        await self._session.execute(insert(cases).values(
            case_id=case.case_id, cdcr_number=case.cdcr_number, stage=case.stage.value,
            opened_at=case.opened_at, updated_at=case.updated_at))

    async def save(self, case: SchedulingCase) -> None:
        await self._session.execute(update(cases).where(cases.c.case_id == case.case_id).values(
            stage=case.stage.value, updated_at=case.updated_at))
