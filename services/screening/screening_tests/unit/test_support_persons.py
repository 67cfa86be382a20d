"""A victim's support person in screening: asked for by scheduling like any visitor, on the
case's timeline without a name; removed at her word (or erased with her, or on their own), no
visitor any more, and what stood of their clearance is void (so scheduling hears of it)."""
from datetime import date, datetime, timedelta, timezone

import pytest

from vod_shared import events as e
from vod_shared.events import VisitorRole

from screening.domain.clearances import ClearanceStatus

from .test_read_model import opened_case, timeline

NOW = datetime.now(timezone.utc)


async def _with_a_cleared_support_person(screening):
    request = await opened_case(screening)
    case_id = request.case_id
    await screening.apply(e.SupportPersonAdded(case_id=case_id, support_person_id="s-1",
                                               at=NOW))
    await screening.apply(e.ClearanceRequested(
        case_id=case_id, facility_code="SQ", victim_id=request.requester_id,
        facilitator_ids=["f-1"], support_person_ids=["s-1"], reason="support_person_added",
        at=NOW), source="/services/scheduling")
    async with screening.runtime.uow() as uow:
        [theirs] = [c for c in await uow.clearances.of_case(case_id) if c.visitor_id == "s-1"]
        theirs.grant(expires_on=date.today() + timedelta(days=30), by="rosa", now=NOW)
        await uow.clearances.save(theirs)
        await uow.commit()
    return request


async def test_removed_they_are_no_visitor_and_their_clearance_is_void(screening):
    request = await _with_a_cleared_support_person(screening)
    case_id = request.case_id
    # written before removals had a reason: at the victim's word
    removed = e.SupportPersonRemoved(case_id=case_id, support_person_id="s-1", at=NOW)
    envelope = await screening.apply(removed)
    await screening.apply(removed, event_id=envelope.id)  # redelivered: nothing more
    async with screening.runtime.uow() as uow:
        visitors = {(v.visitor_id, v.role) for v in await uow.visitors.of_case(case_id)}
        clearances = {c.visitor_id: c.status for c in await uow.clearances.of_case(case_id)}
    assert ("s-1", VisitorRole.SUPPORT_PERSON) not in visitors
    assert (request.requester_id, VisitorRole.VICTIM) in visitors
    assert clearances["s-1"] is ClearanceStatus.VOIDED
    assert clearances[request.requester_id] is ClearanceStatus.REQUESTED
    voided = [ev for ev in await screening.events("vod.screening")
              if ev.type == "vod.ClearanceVoided.v1"]
    assert [(v.data.visitor_id, v.data.reason) for v in voided] == [
        ("s-1", "support_person_removed")]
    lines = [line.summary for line in await timeline(screening, case_id)]
    assert "A support person was added for the victim" in lines
    assert "A support person was removed, at the victim's word" in lines


@pytest.mark.parametrize("reason, line, void_reason, void_words", [
    (e.SupportPersonRemovalReason.VICTIM_ERASED,
     "A support person was removed: the victim's details were erased, and theirs with hers",
     "victim_erased", "The victim's details were erased"),
    (e.SupportPersonRemovalReason.SUPPORT_PERSON_ERASED,
     "A support person was removed: their details were erased",
     "support_person_erased", "The support person's details were erased"),
    (e.SupportPersonRemovalReason.VICTIM_ASKED,
     "A support person was removed, at the victim's word",
     "support_person_removed", "The victim no longer brings this support person")])
async def test_the_timeline_says_why_they_were_removed(screening, reason, line, void_reason,
                                                       void_words):
    request = await _with_a_cleared_support_person(screening)
    await screening.apply(e.SupportPersonRemoved(case_id=request.case_id,
                                                 support_person_id="s-1", at=NOW, reason=reason))
    voided = [ev.data.reason for ev in await screening.events("vod.screening")
              if ev.type == "vod.ClearanceVoided.v1"]
    assert voided == [void_reason]
    lines = [line.summary for line in await timeline(screening, request.case_id)]
    assert line in lines
    assert [summary for summary in lines if " void: " in summary] == [
        f"Gate clearance of a support person for SQ void: {void_words}"]
    if reason is not e.SupportPersonRemovalReason.VICTIM_ASKED:
        assert not [summary for summary in lines if "victim's word" in summary]
