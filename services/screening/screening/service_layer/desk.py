"""The screening desk: what staff read and decide, each in its own unit of work, each read of
a victim's record and each decision written to the audit log in the same transaction.

A refused attempt (not signed in, wrong role, someone else's case, a decision that does not
hold) is written to the audit log too.
"""
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

from vod_shared.staff import StaffMember
from vod_shared.topics import Topics

from screening.adapters.audit_everywhere import ServiceAuditEntry
from screening.adapters.names import NameReader
from screening.domain import commands
from screening.domain.access import may_see_case
from screening.domain.audit import AuditEntry, Outcome
from screening.domain.clearances import EXPIRING_WITHIN, Clearance, check_new_request, expiring
from screening.domain.duplicates import PossibleDuplicate
from screening.domain.errors import REFUSALS, CaseNotFound, ClearanceNotFound, InvalidDecision
from screening.domain.model import ScreeningCase
from screening.service_layer import duplicates
from screening.service_layer.unit_of_work import UnitOfWork
from screening.service_layer.views import (
    CaseView,
    Caller,
    ExpiringClearance,
    QueueFilters,
    QueuePage,
    case_view,
    queue_entry,
)

Work = Callable[[UnitOfWork, ScreeningCase, datetime], Awaitable[str]]


class ScreeningDesk:
    def __init__(self, uow: Callable[[], UnitOfWork], *, topics: Topics,
                 clock: Callable[[], datetime], names: NameReader) -> None:
        self._uow, self._topics, self._clock, self._names = uow, topics, clock, names

    # -- the audit log --------------------------------------------------------------------
    async def record(self, caller: Caller, action: str, outcome: Outcome, *,
                     case_id: str | None = None, detail: str | None = None) -> None:
        """Writes one entry on its own (a refused attempt, say)."""
        async with self._uow() as uow:
            await self._audit(uow, caller, action, outcome, case_id, detail)
            await uow.commit()

    async def _audit(self, uow: UnitOfWork, caller: Caller, action: str, outcome: Outcome,
                     case_id: str | None, detail: str | None = None) -> None:
        await uow.audit.append(AuditEntry(self._clock(), caller.username, action, outcome,
                                          caller.address, case_id, caller.method, caller.path,
                                          detail))

    async def audit_log(self, caller: Caller, *, case_id: str | None, username: str | None,
                        limit: int, offset: int) -> tuple[int, list[AuditEntry]]:
        async with self._uow() as uow:
            found = await uow.audit.entries(case_id=case_id, username=username, limit=limit,
                                            offset=offset)
            await self._audit(uow, caller, "audit.read", Outcome.DONE, case_id)
            await uow.commit()
        return found

    async def audit_everywhere(self, caller: Caller, *, case_id: str | None,
                               username: str | None, service: str | None, limit: int,
                               offset: int) -> tuple[int, list[ServiceAuditEntry]]:
        """Every service's entries together, newest first; reading them is audited too."""
        async with self._uow() as uow:
            found = await uow.audit_everywhere.entries(
                case_id=case_id, username=username, service=service, limit=limit,
                offset=offset)
            await self._audit(uow, caller, "audit.read", Outcome.DONE, case_id, "everywhere")
            await uow.commit()
        return found

    # -- reading ----------------------------------------------------------------------------
    async def case(self, case_id: str, member: StaffMember, caller: Caller) -> CaseView:
        """The case page's contents. Opening the requester's name and whether they live out of
        state is a read of a victim's record: audited. Someone else's case is, for a
        facilitator, no case at all."""
        async with self._uow() as uow:
            case = await uow.cases.get(case_id)
            visitors = await uow.visitors.of_case(case_id) if case else []
            accounts = {v.staff_account for v in visitors if v.staff_account}
            if case is None or not may_see_case(member, assigned_accounts=accounts):
                await self._audit(uow, caller, "case.read", Outcome.REFUSED_NOT_FOUND, case_id)
                await uow.commit()
                raise CaseNotFound(case_id)
            requester = case.requester_id
            sealed = await uow.people.sealed(requester) if requester else None
            name = await self._names.full_name(uow.session, sealed, about=requester) \
                if sealed else None
            travel = await self._names.travel_offered(
                uow.session, await uow.cases.logistics(case_id), about=case_id)
            erased = await self._names.erased(uow.session, *filter(None, (requester, case_id))) \
                or bool(requester and await uow.people.erased(requester))
            view = case_view(case, requester_name=name, travel_offered=travel,
                             details_erased=erased, visitors=visitors,
                             clearances=await uow.clearances.of_case(case_id),
                             timeline=await uow.timeline.of_case(case_id),
                             today=self._clock().date(),
                             duplicates=await duplicates.views_of(uow, case_id))
            await self._audit(uow, caller, "case.read", Outcome.DONE, case_id)
            await uow.commit()
        return view

    async def queue(self, filters: QueueFilters) -> QueuePage:
        async with self._uow() as uow:
            total, found = await uow.queries.queue(
                stage=filters.stage.value if filters.stage else None, facility=filters.facility,
                search=filters.search, include_paused=filters.include_paused,
                possible_duplicate=filters.possible_duplicate, limit=filters.limit,
                offset=filters.offset)
            facilities = await uow.queries.queue_facilities()
            others = await duplicates.still_open(uow, [case.case_id for case in found])
        return QueuePage(total, [queue_entry(case, others.get(case.case_id, ()))
                                 for case in found], facilities)

    async def my_cases(self, member: StaffMember) -> list:
        async with self._uow() as uow:
            found = await uow.queries.many(await uow.visitors.cases_of_account(member.username))
        return [queue_entry(case) for case in found]

    async def expiring_clearances(self) -> list[ExpiringClearance]:
        today = self._clock().date()
        async with self._uow() as uow:
            found = await uow.clearances.granted_until(today + EXPIRING_WITHIN)
        references = {c.clearance_id: ref for c, ref in found}
        return [ExpiringClearance(c, references[c.clearance_id])
                for c in expiring([c for c, _ in found], today=today)]

    # -- deciding ---------------------------------------------------------------------------
    async def resolve_review(self, command: commands.ResolveReview,
                             caller: Caller) -> ScreeningCase:
        async def work(uow: UnitOfWork, case: ScreeningCase, now: datetime) -> str:
            case.resolve_review(command.outcome, command.reason, command.facility_code,
                                by=caller.username, now=now)
            await self._save(uow, case)
            return f"{command.outcome.value}: {command.reason}"

        return await self._decide("eligibility.decide", command.case_id, caller, work)

    async def complete_screening(self, command: commands.CompleteScreening,
                                 caller: Caller) -> ScreeningCase:
        async def work(uow: UnitOfWork, case: ScreeningCase, now: datetime) -> str:
            case.complete_screening(command.findings, command.outcome, by=caller.username,
                                    now=now)
            await self._save(uow, case)
            return " ".join([command.outcome.value, *case.suitability.reasons])

        return await self._decide("screening.complete", command.case_id, caller, work)

    async def request_clearance(self, command: commands.RequestClearance,
                                caller: Caller) -> str:
        clearance_id = str(uuid.uuid4())

        async def work(uow: UnitOfWork, case: ScreeningCase, now: datetime) -> str:
            case.check_may_arrange_visits()
            visitors = {(v.visitor_id, v.role) for v in await uow.visitors.of_case(case.case_id)}
            if (command.visitor_id, command.visitor_role) not in visitors:
                raise InvalidDecision("Choose one of this case's visitors.", field="visitor")
            check_new_request(await uow.clearances.of_case(case.case_id),
                              visitor_id=command.visitor_id,
                              facility_code=command.facility_code, today=now.date())
            await uow.clearances.add(Clearance(
                clearance_id, case.case_id, command.visitor_id, command.visitor_role,
                command.facility_code, now, caller.username))
            return f"{command.visitor_role.value} at {command.facility_code}"

        await self._decide("clearance.request", command.case_id, caller, work)
        return clearance_id

    async def grant_clearance(self, command: commands.GrantClearance,
                              caller: Caller) -> ScreeningCase:
        async def work(uow: UnitOfWork, case: ScreeningCase, now: datetime) -> str:
            case.check_may_arrange_visits()
            clearance = await self._clearance(uow, command.case_id, command.clearance_id)
            clearance.grant(expires_on=command.expires_on, by=caller.username, now=now)
            await self._save_clearance(uow, clearance)
            return f"{clearance.clearance_id} until {command.expires_on.isoformat()}"

        return await self._decide("clearance.grant", command.case_id, caller, work)

    async def deny_clearance(self, command: commands.DenyClearance,
                             caller: Caller) -> ScreeningCase:
        async def work(uow: UnitOfWork, case: ScreeningCase, now: datetime) -> str:
            clearance = await self._clearance(uow, command.case_id, command.clearance_id)
            clearance.deny(reason=command.reason, by=caller.username, now=now)
            await self._save_clearance(uow, clearance)
            return f"{clearance.clearance_id}: {command.reason}"

        return await self._decide("clearance.deny", command.case_id, caller, work)

    async def resolve_duplicate(self, command: commands.ResolveDuplicate,
                                caller: Caller) -> PossibleDuplicate:
        decided: list[PossibleDuplicate] = []

        async def work(uow: UnitOfWork, case: ScreeningCase, now: datetime) -> str:
            decided.append(await duplicates.resolve(
                uow, command, by=caller.username, now=now, topic=self._topics.screening,
                check=case.check_may_decide))
            return f"{command.decision.value}: other case {decided[0].other_case_id}"

        await self._decide("duplicate.resolve", command.case_id, caller, work)
        return decided[0]

    async def _decide(self, action: str, case_id: str, caller: Caller,
                      work: Work) -> ScreeningCase:
        """Load the case, do the work, save, audit, commit; a refusal is audited instead."""
        async with self._uow() as uow:
            case = await uow.cases.get(case_id, for_update=True)
            try:
                if case is None:
                    raise CaseNotFound(case_id)
                detail = await work(uow, case, self._clock())
            except REFUSALS as exc:
                await uow.rollback()
                outcome = (Outcome.REFUSED_NOT_FOUND if isinstance(exc, LookupError)
                           else Outcome.REFUSED_INVALID)
                await self._audit(uow, caller, action, outcome, case_id, type(exc).__name__)
                await uow.commit()
                raise
            await self._audit(uow, caller, action, Outcome.DONE, case_id, detail)
            await uow.commit()
        return case

    async def _save(self, uow: UnitOfWork, case: ScreeningCase) -> None:
        await uow.cases.save(case)
        for event in case.events:
            await uow.emit(event, topic=self._topics.screening, subject=case.case_id)
        case.events.clear()

    async def _clearance(self, uow: UnitOfWork, case_id: str, clearance_id: str) -> Clearance:
        clearance = await uow.clearances.get(case_id, clearance_id)
        if clearance is None:
            raise ClearanceNotFound(clearance_id)
        return clearance

    async def _save_clearance(self, uow: UnitOfWork, clearance: Clearance) -> None:
        await uow.clearances.save(clearance)
        for event in clearance.events:
            await uow.emit(event, topic=self._topics.screening, subject=clearance.case_id)
        clearance.events.clear()
