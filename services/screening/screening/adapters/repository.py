"""Load and save screening's aggregates through a session of the unit of work."""
from datetime import datetime, timezone

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.events import EligibilityOutcome

from screening.adapters.orm import cases, webhook_receipts
from screening.domain.model import CaseStatus, ScreeningCase
from screening.domain.rules import Eligibility


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, case_id: str, *, for_update: bool = False) -> ScreeningCase | None:
        query = select(cases).where(cases.c.case_id == case_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).first()
        return _case(row) if row else None

    async def open_for(self, cdcr_number: str) -> list[ScreeningCase]:
        """The open cases about one offender, locked until the transaction ends."""
        rows = (await self._session.execute(
            select(cases).where(cases.c.cdcr_number == cdcr_number,
                                cases.c.status == CaseStatus.OPEN.value)
            .order_by(cases.c.opened_at, cases.c.case_id).with_for_update())).all()
        return [_case(row) for row in rows]

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
            decided_at=case.decided_at, status=case.status.value, ended_at=case.ended_at))


def _case(row) -> ScreeningCase:
    eligibility = None
    if row.outcome:
        eligibility = Eligibility(EligibilityOutcome(row.outcome), row.reason,
                                  row.facility_code, bool(row.on_parole))
    return ScreeningCase(row.case_id, row.cdcr_number, as_utc(row.opened_at), eligibility,
                         as_utc(row.decided_at), CaseStatus(row.status), as_utc(row.ended_at))


class WebhookReceipts:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, webhook_id: str) -> tuple[int, dict] | None:
        row = (await self._session.execute(select(webhook_receipts).where(
            webhook_receipts.c.webhook_id == webhook_id))).first()
        return (row.status_code, row.response) if row else None

    async def add(self, webhook_id: str, endpoint: str, status_code: int, response: dict,
                  now: datetime) -> None:
        await self._session.execute(insert(webhook_receipts).values(
            webhook_id=webhook_id, endpoint=endpoint, status_code=status_code,
            response=response, received_at=now))
