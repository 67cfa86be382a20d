"""Load and save possible duplicates, and the references of the cases they name."""
from collections.abc import Iterable

from sqlalchemy import Row, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.db import insert_or_ignore
from vod_shared.events import DuplicateDecision, DuplicateOverlap

from screening.adapters.orm import cases, possible_duplicates
from screening.adapters.repository import as_utc
from screening.domain.duplicates import PossibleDuplicate

table = possible_duplicates
_INVOLVING_ORDER = (table.c.found_at, table.c.case_id, table.c.other_case_id)


class PossibleDuplicates:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # ``involving`` read ahead for a batch's cases, forgotten when this session writes any
        self._known: dict[str, list[Row]] = {}

    async def load(self, case_ids: Iterable[str]) -> None:
        """``involving`` for these cases in one statement. Only for a transaction that holds
        the store's write lock (SQLite): no one else changes them."""
        wanted = set(case_ids) - self._known.keys()
        if not wanted:
            return
        found: dict[str, list[Row]] = {case_id: [] for case_id in wanted}
        for row in (await self._session.execute(select(table).where(or_(
                table.c.case_id.in_(wanted), table.c.other_case_id.in_(wanted))).order_by(
                    *_INVOLVING_ORDER))).all():
            for case_id in {row.case_id, row.other_case_id} & wanted:
                found[case_id].append(row)
        self._known.update(found)

    async def add(self, duplicate: PossibleDuplicate) -> bool:
        """Keeps the pair once; False when it was known already (decided or not)."""
        self._known.clear()
        added = await self._session.execute(insert_or_ignore(
            self._session, table, "case_id", "other_case_id").values(
                case_id=duplicate.case_id, other_case_id=duplicate.other_case_id,
                overlaps=[code.value for code in duplicate.overlaps],
                found_at=duplicate.found_at, found_event_id=duplicate.found_event_id))
        return added.rowcount == 1

    async def of_case(self, case_id: str, *, for_update: bool = False) -> list[PossibleDuplicate]:
        """Those decided on this case (it is the newer one), the oldest found first."""
        query = select(table).where(table.c.case_id == case_id).order_by(
            table.c.found_at, table.c.other_case_id)
        if for_update:
            query = query.with_for_update()
        return [duplicate_from_row(row) for row in (await self._session.execute(query)).all()]

    async def involving(self, case_id: str) -> list[PossibleDuplicate]:
        """Those naming the case on either side."""
        if case_id in self._known:
            return [duplicate_from_row(row) for row in self._known[case_id]]
        rows = (await self._session.execute(select(table).where(or_(
            table.c.case_id == case_id, table.c.other_case_id == case_id)).order_by(
                *_INVOLVING_ORDER))).all()
        return [duplicate_from_row(row) for row in rows]

    async def still_open(self, case_ids: Iterable[str]) -> dict[str, list[str]]:
        """For each of these (newer) cases, the cases it may duplicate, still undecided."""
        case_ids = list(case_ids)
        if not case_ids:
            return {}
        rows = (await self._session.execute(select(table.c.case_id, table.c.other_case_id).where(
            table.c.case_id.in_(case_ids), table.c.decision.is_(None)).order_by(
                table.c.found_at))).all()
        found: dict[str, list[str]] = {}
        for row in rows:
            found.setdefault(row.case_id, []).append(row.other_case_id)
        return found

    async def references(self, case_ids: Iterable[str]) -> dict[str, str | None]:
        """The references of the cases screening knows among these."""
        case_ids = list(set(case_ids))
        if not case_ids:
            return {}
        rows = (await self._session.execute(select(cases.c.case_id, cases.c.reference).where(
            cases.c.case_id.in_(case_ids)))).all()
        return {row.case_id: row.reference for row in rows}

    async def save(self, duplicate: PossibleDuplicate) -> None:
        self._known.clear()
        await self._session.execute(update(table).where(
            table.c.case_id == duplicate.case_id,
            table.c.other_case_id == duplicate.other_case_id).values(
                decision=duplicate.decision.value if duplicate.decision else None,
                decided_by=duplicate.decided_by, decided_at=duplicate.decided_at,
                resolved_event_id=duplicate.resolved_event_id))


def duplicate_from_row(row) -> PossibleDuplicate:
    return PossibleDuplicate(
        row.case_id, row.other_case_id, tuple(DuplicateOverlap(c) for c in row.overlaps),
        as_utc(row.found_at), row.found_event_id,
        DuplicateDecision(row.decision) if row.decision else None, row.decided_by,
        as_utc(row.decided_at), row.resolved_event_id)
