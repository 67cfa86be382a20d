"""Intake follows whether a case is still open, so a repeated request joins only an open case."""
import json
from datetime import datetime, timezone

import pytest

from vod_shared.envelope import new_envelope
from vod_shared.events import EligibilityDetermined

from intake.service_layer import handlers

from ..conftest import dialogue_request


async def _decide(intake, case_id: str, *, reason: str, ends_case: bool) -> None:
    decision = EligibilityDetermined(case_id=case_id, outcome="ineligible", reason=reason,
                                     cdcr_number="AB1234", decided_at=datetime.now(timezone.utc),
                                     ends_case=ends_case)
    envelope = new_envelope(decision, source="/services/screening", subject=case_id)
    async with intake.runtime.uow() as uow:
        await handlers.follow_case_elsewhere(envelope, uow)
        await uow.commit()


@pytest.mark.parametrize("reason, ends_case, joins", [
    ("discharged", True, False),   # not eligible for good: a new request opens a new case
    ("escaped", False, True),      # decided again on return: the case is still open
])
async def test_a_repeated_request_joins_only_a_case_that_is_still_open(intake, reason, ends_case, joins):
    first = (await intake.post(dialogue_request())).json()
    await _decide(intake, first["case_id"], reason=reason, ends_case=ends_case)
    again = (await intake.post(dialogue_request())).json()
    assert (again["case_id"] == first["case_id"]) is joins
