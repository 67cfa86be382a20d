"""The read model: each case's timeline from the events of every topic, who is assigned, the
requester's details kept sealed, pauses, clearances scheduling asks for, transfers."""
import json
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from vod_devtools.testing import IntakeSealer, carries
from vod_shared import events as e
from vod_shared.consumer import Unprocessable
from vod_shared.events import VisitorRole
from vod_shared.person_keys import CONTACT, NAME
from vod_shared.sealing import KeyDirectory

from screening.domain.clearances import Clearance, ClearanceStatus

from ..conftest import custody_change, new_cdcr_number, request_for

NOW = datetime.now(timezone.utc)


async def opened_case(screening, cdcr: str | None = None) -> e.RequestReceived:
    request = request_for(cdcr or new_cdcr_number())
    await screening.apply(screening.person(request.requester_id), subject=request.requester_id)
    await screening.grant(request.requester_id)
    await screening.apply(request)
    return request


async def name_of(screening, person_id: str) -> str | None:
    """The name a staff page would show, opened with screening's key book."""
    async with screening.runtime.uow() as uow:
        return await screening.names.full_name(uow.session, await uow.people.sealed(person_id),
                                                about=person_id)


async def timeline(screening, case_id: str) -> list:
    async with screening.runtime.uow() as uow:
        return await uow.timeline.of_case(case_id)


async def test_the_timeline_tells_the_case_from_every_topic_without_anyones_details(screening):
    request = await opened_case(screening)
    case_id = request.case_id
    await screening.apply(e.FacilitatorAssigned(case_id=case_id, facilitator_ids=["f-1"], at=NOW),
                          source="/services/scheduling")
    await screening.apply(e.MeetingScheduled(
        case_id=case_id, meeting_id="m-1", party="victim", mode="video",
        starts_at=datetime(2026, 12, 3, 10, tzinfo=timezone(timedelta(hours=-8))),
        facilitator_ids=["f-1"]), source="/services/scheduling")
    await screening.apply(e.NotificationSent(
        notification_id="n-1", cause_event_id="x", recipient_id=request.requester_id,
        channel="email", template="meeting_invitation", sent_at=NOW),
        subject=case_id, source="/services/notifications")
    await screening.apply(e.CasePaused(case_id=case_id, by="victim", at=NOW))

    lines = await timeline(screening, case_id)
    assert [line.event_type for line in lines] == [
        "vod.RequestReceived.v1", "vod.EligibilityDetermined.v1", "vod.FacilitatorAssigned.v1",
        "vod.MeetingScheduled.v1", "vod.NotificationSent.v1", "vod.CasePaused.v1"]
    summaries = [line.summary for line in lines]
    assert summaries[0].startswith("Dialogue requested by the victim")
    assert summaries[1] == ("Eligibility: needs a decision by hand — Not in the custody "
                            "registry (by the registry)")
    assert "2026-12-03 10:00" in summaries[3] and summaries[5] == "Paused by the victim"
    everything = json.dumps(summaries)
    assert not any(value in everything for value in ("Ana", "López", "ana.lopez", "6195550100"))


async def test_an_event_seen_twice_is_one_line(screening):
    request = await opened_case(screening)
    step = e.CaseResumed(case_id=request.case_id, by="victim", at=NOW)
    event_id = str(uuid.uuid4())
    await screening.apply(step, event_id=event_id)
    await screening.apply(step, event_id=event_id)
    envelope = await screening.apply(step)
    async with screening.runtime.uow() as uow:  # even past the inbox (a rebuild, say)
        await uow.add_to_timeline(request.case_id, envelope)
        await uow.commit()
    resumed = [line for line in await timeline(screening, request.case_id)
               if line.event_type == "vod.CaseResumed.v1"]
    assert len(resumed) == 2


async def test_who_is_assigned_follows_the_latest_assignment(screening):
    request = await opened_case(screening)
    await screening.apply(e.FacilitatorAssigned(
        case_id=request.case_id, facilitator_ids=["f-1", "f-2"], at=NOW,
        staff_accounts={"f-1": "maria"}), source="/services/scheduling")
    await screening.apply(e.FacilitatorAssigned(
        case_id=request.case_id, facilitator_ids=["f-3"], previous_facilitator_ids=["f-1", "f-2"],
        staff_accounts={"f-3": "jorge"}, at=NOW), source="/services/scheduling")
    async with screening.runtime.uow() as uow:
        visitors = await uow.visitors.of_case(request.case_id)
        assert await uow.visitors.cases_of_account("maria") == []
        assert await uow.visitors.cases_of_account("jorge") == [request.case_id]
    assert [(v.visitor_id, v.role, v.staff_account) for v in visitors] == [
        (request.requester_id, VisitorRole.VICTIM, None), ("f-3", VisitorRole.FACILITATOR, "jorge")]


async def test_a_clearance_request_after_the_assignment_keeps_the_facilitators_account(
        screening):
    request = await opened_case(screening)
    await screening.apply(e.FacilitatorAssigned(
        case_id=request.case_id, facilitator_ids=["f-1"], staff_accounts={"f-1": "maria"},
        at=NOW), source="/services/scheduling")
    await screening.apply(e.ClearanceRequested(
        case_id=request.case_id, facility_code="SQ", victim_id=request.requester_id,
        facilitator_ids=["f-1"], support_person_ids=[], reason="facilitators_assigned", at=NOW),
        source="/services/scheduling")
    async with screening.runtime.uow() as uow:
        assert await uow.visitors.cases_of_account("maria") == [request.case_id]


async def test_the_requesters_details_are_kept_sealed_and_erasure_forgets_them(screening):
    request = await opened_case(screening)
    async with screening.runtime.engine.connect() as conn:
        stored = json.dumps([list(r) for r in (await conn.execute(text("SELECT * FROM people")))
                             .all()], default=str)
    assert not any(carries(stored, value) for value in ("López", "ana.lopez", "Ana"))
    assert await name_of(screening, request.requester_id) == "Ana López"
    await screening.apply(e.PersonErased(person_id=request.requester_id, at=NOW),
                          subject=request.requester_id)
    await screening.apply(screening.person(request.requester_id, updated=True),  # too late
                          subject=request.requester_id)
    async with screening.runtime.uow() as uow:
        assert await uow.people.sealed(request.requester_id) is None
    assert await name_of(screening, request.requester_id) is None


async def test_details_intake_did_not_seal_never_replace_the_requesters(screening, tmp_path):
    """A PersonUpdated whose name is signed by a key pair that is not intake's (even naming
    intake as its sealer), or by another service, or really sealed by intake but about another
    person (his own name replayed under her id), or for a purpose screening is not given (her
    contact), is refused: the stored name stays."""
    request = await opened_case(screening)
    hers = request.requester_id
    bogus = {"given_name": "Mallory", "family_name": "López"}
    KeyDirectory(tmp_path / "elsewhere").init()
    not_intakes = IntakeSealer(tmp_path / "elsewhere")
    by_scheduling = IntakeSealer(screening.settings.effective_keys_dir())
    by_scheduling.keyring = by_scheduling.keyring.directory.keyring("scheduling")
    his = screening.seal(bogus, NAME, about=str(uuid.uuid4()))
    await screening.grant()
    for staff_view, why in ((not_intakes.seal(bogus, NAME, about=hers), "not_authentic"),
                            (by_scheduling.seal(bogus, NAME, about=hers),
                             "sealed by 'scheduling', not intake"),
                            (his, "not_authentic: not signed by intake about this subject"),
                            (screening.seal(bogus, CONTACT, about=hers),
                             "not_sealed_for_us: sealed for contact, not name")):
        updated = screening.person(hers, updated=True).model_copy(
            update={"staff_view": staff_view})
        with pytest.raises(Unprocessable, match=why):
            await screening.apply(updated, subject=hers)
        assert await name_of(screening, hers) == "Ana López"
    # a person without a name for staff (a registrant) replaces nothing either
    await screening.apply(screening.person(hers, None, updated=True), subject=hers)
    assert await name_of(screening, hers) == "Ana López"


async def test_a_pause_from_either_service_pauses_the_case_until_resumed(screening):
    request = await opened_case(screening)
    await screening.apply(e.CasePaused(case_id=request.case_id, by="director", at=NOW),
                          source="/services/scheduling")
    async with screening.runtime.uow() as uow:
        assert (await uow.cases.get(request.case_id)).paused
    await screening.apply(e.CaseResumed(case_id=request.case_id, by="victim", at=NOW))
    async with screening.runtime.uow() as uow:
        assert not (await uow.cases.get(request.case_id)).paused


async def test_scheduling_asking_for_clearance_makes_one_request_per_visitor(screening):
    request = await opened_case(screening)
    asked = dict(case_id=request.case_id, facility_code="CMF", victim_id=request.requester_id,
                 facilitator_ids=["f-1"], support_person_ids=["s-1"],
                 reason="offender_transferred", at=NOW)
    await screening.apply(e.ClearanceRequested(**asked), source="/services/scheduling")
    await screening.apply(e.ClearanceRequested(**asked), source="/services/scheduling")
    async with screening.runtime.uow() as uow:
        found = await uow.clearances.of_case(request.case_id)
        visitors = {(v.visitor_id, v.role) for v in await uow.visitors.of_case(request.case_id)}
    assert sorted((c.visitor_role.value, c.status.value, c.requested_by) for c in found) == [
        ("facilitator", "requested", "scheduling"), ("support_person", "requested", "scheduling"),
        ("victim", "requested", "scheduling")]
    assert ("s-1", VisitorRole.SUPPORT_PERSON) in visitors


async def test_a_transfer_voids_the_old_facilitys_clearances_and_says_so(screening):
    cdcr = new_cdcr_number()
    await screening.post(custody_change(cdcr_number=cdcr, change="admission", facility_code="SQ",
                                        effective_at="2026-01-05T09:00:00-08:00"))
    request = await opened_case(screening, cdcr)
    granted = Clearance("cl-1", request.case_id, request.requester_id, VisitorRole.VICTIM, "SQ",
                        NOW, "rosa", ClearanceStatus.GRANTED, NOW, "rosa",
                        date.today() + timedelta(days=90))
    async with screening.runtime.uow() as uow:
        await uow.clearances.add(granted)
        await uow.commit()
    await screening.post(custody_change(cdcr_number=cdcr, change="transfer", facility_code="CMF",
                                        effective_at=datetime.now(timezone.utc).isoformat()))
    transfer = (await screening.events("vod.custody"))[-1]
    await screening.apply(transfer.data, subject=cdcr, event_id=transfer.id,
                          source="/services/screening")

    voided = [ev for ev in await screening.events("vod.screening")
              if ev.type == "vod.ClearanceVoided.v1"]
    assert [(v.subject, v.data.clearance_id, v.data.facility_code, v.data.reason)
            for v in voided] == [(request.case_id, "cl-1", "SQ", "offender_transferred")]
    lines = [line.summary for line in await timeline(screening, request.case_id)]
    assert any(line.startswith("Custody: transfer from SQ — now in prison at CMF")
               for line in lines)
    assert any("void: The offender was transferred" in line for line in lines)
