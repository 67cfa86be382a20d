"""Load and save gate clearances."""
from datetime import date

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.events import VisitorRole

from screening.adapters.orm import cases, clearances
from screening.adapters.repository import as_utc
from screening.domain.clearances import Clearance, ClearanceStatus


class ClearanceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, case_id: str, clearance_id: str) -> Clearance | None:
        row = (await self._session.execute(select(clearances).where(
            clearances.c.case_id == case_id, clearances.c.clearance_id == clearance_id)
            .with_for_update())).first()
        return _clearance(row) if row else None

    async def of_case(self, case_id: str) -> list[Clearance]:
        rows = (await self._session.execute(select(clearances).where(
            clearances.c.case_id == case_id).order_by(clearances.c.requested_at,
                                                      clearances.c.clearance_id))).all()
        return [_clearance(row) for row in rows]

    async def granted_until(self, last_day: date) -> list[tuple[Clearance, str | None]]:
        """Granted clearances expiring on or before ``last_day``, with their case's reference."""
        rows = (await self._session.execute(
            select(clearances, cases.c.reference).join(
                cases, cases.c.case_id == clearances.c.case_id, isouter=True)
            .where(clearances.c.status == ClearanceStatus.GRANTED.value,
                   clearances.c.expires_on <= last_day))).all()
        return [(_clearance(row), row.reference) for row in rows]

    async def add(self, clearance: Clearance) -> None:
        await self._session.execute(insert(clearances).values(
            clearance_id=clearance.clearance_id, case_id=clearance.case_id,
            visitor_id=clearance.visitor_id, visitor_role=clearance.visitor_role.value,
            facility_code=clearance.facility_code, requested_at=clearance.requested_at,
            requested_by=clearance.requested_by, **_decision(clearance)))

    async def save(self, clearance: Clearance) -> None:
        await self._session.execute(update(clearances).where(
            clearances.c.clearance_id == clearance.clearance_id).values(**_decision(clearance)))


def _decision(c: Clearance) -> dict:
    return dict(status=c.status.value, decided_at=c.decided_at, decided_by=c.decided_by,
                expires_on=c.expires_on, reason=c.reason)


def _clearance(row) -> Clearance:
    return Clearance(row.clearance_id, row.case_id, row.visitor_id, VisitorRole(row.visitor_role),
                     row.facility_code, as_utc(row.requested_at), row.requested_by,
                     ClearanceStatus(row.status), as_utc(row.decided_at), row.decided_by,
                     row.expires_on, row.reason)
