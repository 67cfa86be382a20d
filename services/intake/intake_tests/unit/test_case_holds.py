"""The victim drives the case: their pause is theirs to lift, and two changes at once cannot
both win (a withdrawn case is never brought back)."""
from datetime import datetime, timezone

import pytest

from vod_shared.events import ActedBy

from intake.domain.errors import CaseStepRefused, ChangedMeanwhile
from intake.domain.model import Case, CaseStatus

NOW = datetime(2026, 11, 23, 17, 0, tzinfo=timezone.utc)


def _case() -> Case:
    return Case("c1", "VOD-2026-000001", "p1", "AB1234", CaseStatus.OPEN, NOW)


def test_the_programs_resume_does_not_lift_the_victims_own_pause():
    case = _case()
    case.pause(by=ActedBy.VICTIM, reason=None, now=NOW)
    case.paused_elsewhere()
    case.resumed_elsewhere()
    assert case.status is CaseStatus.PAUSED
    case.resume(by=ActedBy.VICTIM, reason=None, now=NOW)
    assert case.status is CaseStatus.OPEN


def test_the_victim_cannot_lift_the_programs_hold_but_may_still_withdraw():
    case = _case()
    case.paused_elsewhere()
    with pytest.raises(CaseStepRefused):
        case.resume(by=ActedBy.VICTIM, reason=None, now=NOW)
    case.withdraw(by=ActedBy.VICTIM, reason=None, now=NOW)
    assert case.status is CaseStatus.WITHDRAWN and not case.holds


async def test_a_withdrawal_and_a_resume_at_once_cannot_both_win(intake):
    from ..conftest import dialogue_request

    case_id = (await intake.post(dialogue_request())).json()["case_id"]
    async with intake.runtime.uow() as first, intake.runtime.uow() as second:
        mine, theirs = await first.cases.get(case_id), await second.cases.get(case_id)
        mine.withdraw(by=ActedBy.VICTIM, reason=None, now=NOW)
        await first.cases.save(mine)
        await first.commit()
        theirs.pause(by=ActedBy.STAFF_FOR_VICTIM, reason=None, now=NOW)
        with pytest.raises(ChangedMeanwhile):
            await second.cases.save(theirs)
    async with intake.runtime.uow() as uow:
        assert (await uow.cases.get(case_id)).status is CaseStatus.WITHDRAWN
