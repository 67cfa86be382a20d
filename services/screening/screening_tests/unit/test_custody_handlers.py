"""The custody feed meeting open cases, at the handler level (a real SQLite store, no broker)."""
from datetime import datetime, timezone

from vod_shared.events import ActedBy, CaseClosed, CaseWithdrawn

from screening.service_layer import handlers

from ..conftest import custody_change, new_cdcr_number

SCREENING, CUSTODY = "vod.screening", "vod.custody"
NOW = datetime.now(timezone.utc)


def discharge(cdcr: str, **more) -> dict:
    return custody_change(cdcr_number=cdcr, change="parole_discharge", status="discharged",
                          facility_code=None, **more)


def paroled(cdcr: str) -> dict:
    return custody_change(cdcr_number=cdcr, change="release", status="on_parole",
                          facility_code=None, effective_at="2026-06-01T08:00:00-07:00")


async def decisions_for(screening, case_id: str) -> list:
    return [e.data for e in await screening.events(SCREENING) if e.subject == case_id]


async def test_a_discharge_decides_an_open_case_again(screening):
    cdcr = new_cdcr_number()
    await screening.post(paroled(cdcr))
    case_id = await screening.request(cdcr)
    await screening.post(discharge(cdcr))
    first, again = await decisions_for(screening, case_id)
    assert (first.outcome, first.on_parole) == ("eligible", True)
    assert (again.outcome, again.reason) == ("ineligible", "discharged")


async def test_the_custody_change_is_announced_before_the_decision_it_causes(screening):
    cdcr = new_cdcr_number()
    await screening.post(paroled(cdcr))
    await screening.request(cdcr)
    await screening.post(discharge(cdcr))
    topics = [row.topic for row in await screening.outbox()]
    assert topics == [CUSTODY, SCREENING, CUSTODY, SCREENING]


async def test_an_admission_decides_again_a_case_that_was_waiting_for_a_person(screening):
    cdcr = new_cdcr_number()
    case_id = await screening.request(cdcr)
    await screening.post(custody_change(cdcr_number=cdcr, change="admission", facility_code="CMF"))
    first, again = await decisions_for(screening, case_id)
    assert (first.outcome, first.reason) == ("needs_review", "not_in_registry")
    assert (again.outcome, again.facility_code) == ("eligible", "CMF")


async def test_a_parole_hearing_decides_nothing_again(screening):
    cdcr = new_cdcr_number()
    await screening.post(custody_change(cdcr_number=cdcr, change="admission"))
    case_id = await screening.request(cdcr)
    await screening.post(custody_change(cdcr_number=cdcr, change="parole_hearing",
                                        details__hearing_date="2027-03-01"))
    assert len(await decisions_for(screening, case_id)) == 1
    assert len(await screening.outbox(CUSTODY)) == 2


async def test_a_withdrawn_case_or_a_closed_case_is_not_decided_again(screening):
    cdcr = new_cdcr_number()
    await screening.post(paroled(cdcr))
    withdrawn, closed, still_open = [await screening.request(cdcr) for _ in range(3)]
    await screening.handle(CaseWithdrawn(case_id=withdrawn, by=ActedBy.VICTIM, at=NOW),
                           handlers.end_case)
    await screening.handle(CaseClosed(case_id=closed, reason="completed", at=NOW),
                           handlers.end_case)
    await screening.post(discharge(cdcr))
    assert len(await decisions_for(screening, withdrawn)) == 1
    assert len(await decisions_for(screening, closed)) == 1
    assert len(await decisions_for(screening, still_open)) == 2


async def test_an_ineligible_case_is_not_decided_again(screening):
    cdcr = new_cdcr_number()
    await screening.post(custody_change(cdcr_number=cdcr, change="release", status="county_jail",
                                        facility_code=None))
    case_id = await screening.request(cdcr)
    await screening.post(custody_change(cdcr_number=cdcr, change="admission"))
    [decision] = await decisions_for(screening, case_id)
    assert (decision.outcome, decision.reason) == ("ineligible", "county_jail")


async def test_an_escape_and_the_return_are_both_decided(screening):
    cdcr = new_cdcr_number()
    await screening.post(custody_change(cdcr_number=cdcr, change="admission",
                                        effective_at="2026-01-01T00:00:00Z"))
    case_id = await screening.request(cdcr)
    await screening.post(custody_change(cdcr_number=cdcr, change="escape", status="escaped",
                                        facility_code=None, effective_at="2026-02-01T00:00:00Z"))
    await screening.post(custody_change(cdcr_number=cdcr, change="return",
                                        effective_at="2026-03-01T00:00:00Z"))
    reasons = [d.reason for d in await decisions_for(screening, case_id)]
    assert reasons == ["in_state_prison", "escaped", "in_state_prison"]


async def test_a_late_call_is_kept_in_the_history_and_announced_but_decides_nothing(screening):
    cdcr = new_cdcr_number()
    await screening.post(paroled(cdcr))
    case_id = await screening.request(cdcr)
    late = custody_change(cdcr_number=cdcr, change="transfer", facility_code="CMF",
                          effective_at="2026-03-01T08:00:00-08:00")
    assert (await screening.post(late)).status_code == 202
    async with screening.runtime.uow() as uow:
        history = await uow.custody.history(cdcr)
        current = await uow.custody.get(cdcr)
    assert [c.change for c in history] == ["transfer", "release"]
    assert current.status == "on_parole"
    assert len(await decisions_for(screening, case_id)) == 1
    assert len(await screening.outbox(CUSTODY)) == 2


async def test_the_end_of_a_case_screening_never_saw_is_ignored(screening):
    await screening.handle(CaseClosed(case_id="unknown-case", reason="completed", at=NOW),
                           handlers.end_case)
    assert await screening.outbox() == []
