"""The custody registry's store: the current record per offender and the history of changes."""
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.events import CustodyStatus, CustodyStatusChanged
from vod_shared.unit_of_work import HOLDS_WRITE_LOCK

from screening.adapters.orm import custody_changes, custody_records
from screening.adapters.repository import as_utc
from screening.domain.custody import OffenderCustody
from screening.domain.rules import CustodyRecord


class CustodyRegistry:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # Records read ahead for a batch (None: not in the registry), forgotten as they change
        self._known: dict[str, CustodyRecord | None] = {}

    async def load(self, cdcr_numbers: Iterable[str]) -> None:
        """Reads these offenders' records in one statement; ``get`` then answers from them.
        Only for a transaction that holds the store's write lock (SQLite), which is also what
        ``lock`` would take: no custody change can come between."""
        wanted = set(cdcr_numbers) - self._known.keys()
        if not wanted:
            return
        self._known.update(dict.fromkeys(wanted))
        for row in (await self._session.execute(select(custody_records).where(
                custody_records.c.cdcr_number.in_(wanted)))).all():
            self._known[row.cdcr_number] = _record(row)

    async def lock(self, cdcr_number: str) -> None:
        """Serialises everything about one offender (custody changes, new cases) until the
        transaction ends, whether or not the registry knows them yet."""
        if self._session.bind.dialect.name == "postgresql":
            await self._session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                                        {"key": f"custody:{cdcr_number}"})
        elif not self._session.info.get(HOLDS_WRITE_LOCK):
            # SQLite: any write takes the database's one write lock, even one matching no row
            # (a consumer's transaction holds it already: its inbox row is written first)
            await self._session.execute(update(custody_records).where(
                custody_records.c.cdcr_number == cdcr_number).values(
                cdcr_number=custody_records.c.cdcr_number))

    async def get(self, cdcr_number: str) -> CustodyRecord | None:
        if cdcr_number in self._known:
            return self._known[cdcr_number]
        row = (await self._session.execute(
            select(custody_records).where(custody_records.c.cdcr_number == cdcr_number))).first()
        return None if row is None else _record(row)

    async def offender(self, cdcr_number: str) -> OffenderCustody:
        return OffenderCustody(cdcr_number, await self.get(cdcr_number))

    async def as_of(self, cdcr_number: str, moment: datetime) -> CustodyRecord | None:
        """The record in force just before ``moment``, from the history."""
        row = (await self._session.execute(
            select(custody_changes).where(custody_changes.c.cdcr_number == cdcr_number,
                                          custody_changes.c.effective_at <= moment)
            .order_by(custody_changes.c.effective_at.desc(), custody_changes.c.received_at.desc())
            .limit(1))).first()
        if row is None:
            return None
        return CustodyRecord(row.cdcr_number, CustodyStatus(row.status), row.facility_code,
                             as_utc(row.effective_at))

    async def add_change(self, change: CustodyStatusChanged, *, source: str,
                         webhook_id: str | None, now: datetime) -> None:
        await self._session.execute(insert(custody_changes).values(
            change_id=change.change_id, cdcr_number=change.cdcr_number, change=change.change.value,
            status=change.status.value, facility_code=change.facility_code,
            previous_facility_code=change.previous_facility_code,
            effective_at=change.effective_at, hearing_date=change.hearing_date,
            execution_date=change.execution_date, source=source, webhook_id=webhook_id,
            received_at=now))

    async def make_current(self, change: CustodyStatusChanged, *, now: datetime) -> None:
        self._known.pop(change.cdcr_number, None)
        values = dict(status=change.status.value, facility_code=change.facility_code,
                      effective_at=change.effective_at, last_change_id=change.change_id,
                      updated_at=now)
        updated = await self._session.execute(update(custody_records).where(
            custody_records.c.cdcr_number == change.cdcr_number).values(**values))
        if updated.rowcount == 0:
            await self._session.execute(insert(custody_records).values(
                cdcr_number=change.cdcr_number, **values))

    async def history(self, cdcr_number: str) -> list[CustodyStatusChanged]:
        """Every change reported for one offender, oldest first (for staff and for tests)."""
        rows = (await self._session.execute(
            select(custody_changes).where(custody_changes.c.cdcr_number == cdcr_number)
            .order_by(custody_changes.c.effective_at, custody_changes.c.received_at))).all()
        return [CustodyStatusChanged(
            change_id=r.change_id, cdcr_number=r.cdcr_number, change=r.change, status=r.status,
            facility_code=r.facility_code, previous_facility_code=r.previous_facility_code,
            effective_at=as_utc(r.effective_at), hearing_date=r.hearing_date,
            execution_date=r.execution_date) for r in rows]


def _record(row) -> CustodyRecord:
    return CustodyRecord(row.cdcr_number, CustodyStatus(row.status), row.facility_code,
                         as_utc(row.effective_at))
