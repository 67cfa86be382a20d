"""Load and save screening's aggregates through a session of the unit of work."""
from collections.abc import Iterable
from datetime import datetime, timezone

from sqlalchemy import Row, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.events import EligibilityOutcome, ScreeningOutcome, SealedDetails
from vod_shared.unit_of_work import insert_later

from screening.adapters.orm import cases, possible_duplicates, webhook_receipts
from screening.domain.model import CaseStatus, ScreeningCase
from screening.domain.rules import Eligibility
from screening.domain.suitability import Findings, Suitability


# Built once: a new statement per case costs more than writing the case
_INSERT_CASE = insert(cases)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # Rows read ahead for a batch (None: no such case), forgotten as this session writes them
        self._known: dict[str, Row | None] = {}

    async def load(self, case_ids: Iterable[str]) -> None:
        """Reads these cases in one statement; ``get`` then answers from them. Only for a
        transaction that holds the store's write lock (SQLite): no one else changes them."""
        wanted = set(case_ids) - self._known.keys()
        if not wanted:
            return
        self._known.update(dict.fromkeys(wanted))
        for row in (await self._session.execute(
                select(cases).where(cases.c.case_id.in_(wanted)))).all():
            self._known[row.case_id] = row

    async def get(self, case_id: str, *, for_update: bool = False) -> ScreeningCase | None:
        if not for_update and case_id in self._known:
            row = self._known[case_id]
            return _case(row) if row else None
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

    async def add(self, case: ScreeningCase, *, logistics: SealedDetails | None = None) -> None:
        """A new case, with what intake sealed for screening about the request, still sealed."""
        self._known.pop(case.case_id, None)
        await insert_later(self._session, _INSERT_CASE, dict(
            case_id=case.case_id, cdcr_number=case.cdcr_number, opened_at=case.opened_at,
            logistics=logistics.model_dump() if logistics else None, **_columns(case)))

    async def logistics(self, case_id: str) -> SealedDetails | None:
        value = await self._session.scalar(select(cases.c.logistics).where(
            cases.c.case_id == case_id))
        return SealedDetails.model_validate(value) if value else None

    async def forget_logistics(self, *, requester_id: str | None = None,
                               case_ids: Iterable[str] = ()) -> None:
        """Erased: the sealed logistics of the cases ``requester_id`` asked for, and of
        ``case_ids``, go (their keys are gone; the ciphertext is not kept either)."""
        which = [cases.c.case_id.in_(list(case_ids))]
        if requester_id is not None:
            which.append(cases.c.requester_id == requester_id)
        self._known.clear()
        await self._session.execute(update(cases).where(or_(*which)).values(logistics=None))

    async def save(self, case: ScreeningCase) -> None:
        self._known.pop(case.case_id, None)
        await self._session.execute(update(cases).where(cases.c.case_id == case.case_id).values(
            **_columns(case)))


def _columns(case: ScreeningCase) -> dict:
    """Everything about a case but its identity and what came sealed with the request."""
    e = case.eligibility
    return dict(
        outcome=e.outcome.value if e else None, reason=e.reason if e else None,
        facility_code=e.facility_code if e else None, on_parole=e.on_parole if e else None,
        decided_at=case.decided_at, status=case.status.value, ended_at=case.ended_at,
        reference=case.reference, requester_id=case.requester_id, paused=case.paused,
        decided_by=case.decided_by, **_suitability_columns(case.suitability))


def _suitability_columns(s: Suitability | None) -> dict:
    if s is None:
        return {}
    return dict(screening_outcome=s.outcome.value, screening_findings=s.findings.__dict__,
                screening_reasons=list(s.reasons), indirect_path_offered=s.indirect_path_offered,
                screened_by=s.decided_by, screened_at=s.decided_at)


def _suitability(row) -> Suitability | None:
    if not row.screening_outcome:
        return None
    return Suitability(ScreeningOutcome(row.screening_outcome),
                       Findings(**row.screening_findings), tuple(row.screening_reasons or ()),
                       bool(row.indirect_path_offered), row.screened_by, as_utc(row.screened_at))


def _case(row) -> ScreeningCase:
    eligibility = None
    if row.outcome:
        eligibility = Eligibility(EligibilityOutcome(row.outcome), row.reason,
                                  row.facility_code, bool(row.on_parole))
    return ScreeningCase(row.case_id, row.cdcr_number, as_utc(row.opened_at), eligibility,
                         as_utc(row.decided_at), CaseStatus(row.status), as_utc(row.ended_at),
                         reference=row.reference, requester_id=row.requester_id,
                         paused=bool(row.paused), decided_by=row.decided_by,
                         suitability=_suitability(row))


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


class CaseQueries:
    """The work queue and case lists: reads for staff pages, no locking."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def queue(self, *, stage: str | None = None, facility: str | None = None,
                    search: str | None = None, include_paused: bool = False,
                    possible_duplicate: bool = False, limit: int = 100,
                    offset: int = 0) -> tuple[int, list]:
        """Open cases waiting on a screener, oldest wait first, and how many in all. A case
        with a possible duplicate still undecided waits on one, whatever its stage."""
        needs_review = cases.c.outcome == EligibilityOutcome.NEEDS_REVIEW.value
        awaiting = (cases.c.outcome == EligibilityOutcome.ELIGIBLE.value) & \
            cases.c.screening_outcome.is_(None)
        duplicate = exists().where(possible_duplicates.c.case_id == cases.c.case_id,
                                   possible_duplicates.c.decision.is_(None))
        waiting = {"needs_review": needs_review, "awaiting_screening": awaiting}
        where = [cases.c.status == CaseStatus.OPEN.value,
                 waiting[stage] if stage in waiting else (needs_review | awaiting | duplicate)]
        if possible_duplicate:
            where.append(duplicate)
        if facility:
            where.append(cases.c.facility_code == facility.upper())
        if search:
            term = search.strip().upper()
            where.append(or_(cases.c.cdcr_number.startswith(term, autoescape=True),
                             func.upper(cases.c.reference).contains(term, autoescape=True)))
        if not include_paused:
            where.append(cases.c.paused.is_(False))
        total = await self._session.scalar(select(func.count()).select_from(cases).where(*where))
        rows = (await self._session.execute(select(cases).where(*where).order_by(
            cases.c.decided_at, cases.c.case_id).limit(limit).offset(offset))).all()
        return total, [_case(row) for row in rows]

    async def queue_facilities(self) -> list[str]:
        rows = await self._session.scalars(select(cases.c.facility_code).distinct().where(
            cases.c.status == CaseStatus.OPEN.value, cases.c.facility_code.is_not(None))
            .order_by(cases.c.facility_code))
        return list(rows)

    async def many(self, case_ids: list[str]) -> list[ScreeningCase]:
        if not case_ids:
            return []
        rows = (await self._session.execute(select(cases).where(
            cases.c.case_id.in_(case_ids)).order_by(cases.c.opened_at))).all()
        return [_case(row) for row in rows]
