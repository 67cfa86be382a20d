"""Load and save intake's aggregates through a session of the unit of work."""
from datetime import datetime, timezone

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from intake.adapters.orm import cases, people, reference_counters, webhook_receipts
from intake.domain.model import Case, CaseStatus


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, case: Case, *, details: dict) -> None:
        await self._session.execute(insert(cases).values(
            case_id=case.case_id, reference=case.reference, requester_id=case.requester_id,
            cdcr_number=case.cdcr_number, status=case.status.value, opened_at=case.opened_at,
            details=details))

    async def get(self, case_id: str) -> Case | None:
        row = (await self._session.execute(select(cases).where(cases.c.case_id == case_id))).first()
        if row is None:
            return None
        return Case(row.case_id, row.reference, row.requester_id, row.cdcr_number,
                    CaseStatus(row.status), row.opened_at)

    async def next_reference_number(self, year: int) -> int:
        """Counts up per year, atomically, on SQLite and PostgreSQL alike."""
        dialect = sqlite if self._session.bind.dialect.name == "sqlite" else postgresql
        statement = dialect.insert(reference_counters).values(year=year, last_number=1)
        statement = statement.on_conflict_do_update(
            index_elements=[reference_counters.c.year],
            set_={"last_number": reference_counters.c.last_number + 1},
        ).returning(reference_counters.c.last_number)
        return (await self._session.execute(statement)).scalar_one()


class PeopleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, person_id: str, details: dict, now: datetime) -> None:
        await self._session.execute(insert(people).values(
            person_id=person_id, details=details, created_at=now))


class WebhookReceipts:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, webhook_id: str) -> tuple[int, dict] | None:
        row = (await self._session.execute(select(webhook_receipts).where(
            webhook_receipts.c.webhook_id == webhook_id))).first()
        return (row.status_code, row.response) if row else None

    async def add(self, webhook_id: str, endpoint: str, status_code: int, response: dict) -> None:
        await self._session.execute(insert(webhook_receipts).values(
            webhook_id=webhook_id, endpoint=endpoint, status_code=status_code,
            response=response, received_at=datetime.now(timezone.utc)))
