"""Load and save screening's aggregates through a session of the unit of work."""
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.events import CustodyStatus, EligibilityOutcome

from screening.adapters.orm import cases, custody_records
from screening.domain.model import ScreeningCase
from screening.domain.rules import CustodyRecord, Eligibility


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, case_id: str) -> ScreeningCase | None:
        row = (await self._session.execute(select(cases).where(cases.c.case_id == case_id))).first()
        if row is None:
            return None
        eligibility = None
        if row.outcome:
            eligibility = Eligibility(EligibilityOutcome(row.outcome), row.reason,
                                      row.facility_code, bool(row.on_parole))
        return ScreeningCase(row.case_id, row.cdcr_number, row.opened_at, eligibility, row.decided_at)

    async def add(self, case: ScreeningCase) -> None:
        await self._session.execute(insert(cases).values(
            case_id=case.case_id, cdcr_number=case.cdcr_number, opened_at=case.opened_at))
        await self.save(case)

    async def save(self, case: ScreeningCase) -> None:
        e = case.eligibility
        await self._session.execute(update(cases).where(cases.c.case_id == case.case_id).values(
            outcome=e.outcome.value if e else None, reason=e.reason if e else None,
            facility_code=e.facility_code if e else None,
            on_parole=e.on_parole if e else None,
            decided_at=case.decided_at))


class CustodyRegistry:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, cdcr_number: str) -> CustodyRecord | None:
        row = (await self._session.execute(
            select(custody_records).where(custody_records.c.cdcr_number == cdcr_number))).first()
        if row is None:
            return None
        return CustodyRecord(row.cdcr_number, CustodyStatus(row.status), row.facility_code)
