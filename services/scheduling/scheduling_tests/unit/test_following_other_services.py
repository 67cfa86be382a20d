"""What the other services' events do here: approval assigns facilitators (or the wait list),
a redelivered event changes nothing, a victim's pause cancels what is coming, a transfer
cancels the dialogue, a voided clearance flags it, and nonsense goes to the dead letters (so
does a request whose logistics intake did not seal). An assignment names the staff accounts of the facilitators it assigns."""
import uuid
from datetime import date

import asyncio

from vod_shared.events import (
    ActedBy,
    CasePaused,
    ClearanceVoided,
    CustodyStatusChanged,
    VisitorRole,
)
from vod_devtools.testing import IntakeSealer
from vod_shared.person_keys import CONTACT, LOGISTICS
from vod_shared.sealing import KeyDirectory
from vod_shared.staff import Role

from scheduling_tests.conftest import (
    INTAKE,
    NOT_YET_S,
    OFFICE_WEEK,
    TEST_KEYS,
    approved,
    cleared,
    eligible,
    request,
)


async def add_facilitator(client, name: str, *, languages=("en",), experienced=True,
                          capacity=4, username=None) -> str:
    response = await client.post("/api/facilitators", json={
        "display_name": name, "languages": list(languages), "experienced": experienced,
        "capacity": capacity, "availability": OFFICE_WEEK, "staff_username": username})
    assert response.status_code == 201, response.text
    return response.json()["facilitator_id"]


async def test_approval_assigns_a_spanish_speaker_and_a_redelivery_changes_nothing(scheduling):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    await add_facilitator(coordinator, "Eli")
    sofia = await add_facilitator(coordinator, "Sofía", languages=("en", "es"))
    case_id = str(uuid.uuid4())
    envelopes = await scheduling.feed(request(case_id, language="es"), eligible(case_id),
                                      approved(case_id))
    await scheduling.redeliver(envelopes[-1])
    [assigned] = await scheduling.events("FacilitatorAssigned")
    assert assigned.facilitator_ids == [sofia]
    [asked] = await scheduling.events("ClearanceRequested")
    assert asked.facility_code == "SQ" and asked.victim_id == f"victim-{case_id[:8]}"
    case = (await coordinator.get(f"/api/cases/{case_id}")).json()
    assert case["stage"] == "preparation" and case["language"] == "es"


async def test_nobody_free_puts_the_case_on_the_wait_list_until_someone_is(scheduling):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    await add_facilitator(coordinator, "Busy", languages=("es",), capacity=0)
    case_id = str(uuid.uuid4())
    await scheduling.feed(request(case_id, language="es"), eligible(case_id), approved(case_id))
    waiting = (await coordinator.get("/api/wait-list")).json()
    assert [c["case_id"] for c in waiting] == [case_id]
    assert await scheduling.events("FacilitatorAssigned") == []
    nora = await add_facilitator(coordinator, "Nora", languages=("es",), experienced=False)
    assert await scheduling.events("FacilitatorAssigned") == []  # someone new needs a partner
    omar = await add_facilitator(coordinator, "Omar")
    [assigned] = await scheduling.events("FacilitatorAssigned")
    assert assigned.facilitator_ids == [nora, omar]
    assert (await coordinator.get("/api/wait-list")).json() == []


async def test_a_victims_pause_cancels_what_is_coming_and_staff_are_told(scheduling, clock):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    await add_facilitator(coordinator, "Eli")
    case_id = str(uuid.uuid4())
    await scheduling.feed(request(case_id), eligible(case_id), approved(case_id))
    response = await coordinator.post(f"/api/cases/{case_id}/meetings", json={
        "party": "victim", "mode": "phone", "starts_at": "2026-03-04T10:00:00-08:00"})
    assert response.status_code == 201, response.text
    await scheduling.feed(CasePaused(case_id=case_id, by=ActedBy.VICTIM, at=clock()))
    [cancelled] = await scheduling.events("MeetingCancelled")
    assert cancelled.reason == "case_paused"
    alerts = (await coordinator.get("/api/alerts")).json()
    assert [a["kind"] for a in alerts] == ["case_paused"]
    # The pause came from intake: scheduling does not announce it again.
    assert await scheduling.events("CasePaused") == []


async def test_a_transfer_cancels_the_dialogue_and_asks_for_clearance(scheduling, clock):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    eli = await add_facilitator(coordinator, "Eli")
    await coordinator.put("/api/facilities/SQ", json={"visiting_hours": {
        "weekly": [{"weekday": d, "start": "08:00", "end": "15:00"} for d in range(5)]}})
    case_id = str(uuid.uuid4())
    victim = f"victim-{case_id[:8]}"
    await scheduling.feed(request(case_id, cdcr_number="CD5678"),
                          eligible(case_id, cdcr_number="CD5678"), approved(case_id),
                          cleared(case_id, victim, VisitorRole.VICTIM, date(2026, 12, 31)),
                          cleared(case_id, eli, VisitorRole.FACILITATOR, date(2026, 12, 31)))
    await prepare_both_parties(coordinator, scheduling, case_id)
    response = await coordinator.post(f"/api/cases/{case_id}/session", json={
        "starts_at": "2026-04-14T10:00:00-07:00", "venue": "facility"})
    assert response.status_code == 201, response.text
    await scheduling.feed(CustodyStatusChanged(
        change_id=str(uuid.uuid4()), cdcr_number="CD5678", change="transfer", status="in_prison",
        facility_code="CMF", previous_facility_code="SQ", effective_at=clock()),
        subject="CD5678")
    [cancelled] = await scheduling.events("SessionCancelled")
    assert cancelled.reason == "offender_transferred"
    asked = await scheduling.events("ClearanceRequested")
    assert [a.facility_code for a in asked] == ["SQ", "CMF"]


async def test_an_assignment_names_the_facilitators_staff_accounts(scheduling):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    nora = await add_facilitator(coordinator, "Nora", languages=("es",), experienced=False,
                                 username="nora")
    omar = await add_facilitator(coordinator, "Omar")  # no staff account (yet)
    case_id = str(uuid.uuid4())
    await scheduling.feed(request(case_id, language="es"), eligible(case_id), approved(case_id))
    [first] = await scheduling.events("FacilitatorAssigned")
    assert first.facilitator_ids == [nora, omar] and first.staff_accounts == {nora: "nora"}
    eli = await add_facilitator(coordinator, "Eli", username="eli.r")
    response = await coordinator.post(f"/api/cases/{case_id}/facilitators",
                                      json={"facilitator_ids": [eli, nora]})
    assert response.status_code == 200, response.text
    _, again = await scheduling.events("FacilitatorAssigned")
    assert again.staff_accounts == {eli: "eli.r", nora: "nora"}
    assert again.previous_facilitator_ids == [nora, omar]


async def test_a_voided_clearance_flags_the_dialogue_and_blocks_a_new_one_there(scheduling,
                                                                                clock):
    """Screening voids the victim's clearance for SQ (the offender was transferred; scheduling
    has not heard that yet): the dialogue at SQ is flagged, and none can be set there again."""
    coordinator = await scheduling.staff(Role.COORDINATOR)
    eli = await add_facilitator(coordinator, "Eli")
    await coordinator.put("/api/facilities/SQ", json={"visiting_hours": {
        "weekly": [{"weekday": d, "start": "08:00", "end": "15:00"} for d in range(5)]}})
    case_id = str(uuid.uuid4())
    victim = f"victim-{case_id[:8]}"
    victims_grant = cleared(case_id, victim, VisitorRole.VICTIM, date(2026, 12, 31))
    await scheduling.feed(request(case_id), eligible(case_id), approved(case_id), victims_grant,
                          cleared(case_id, eli, VisitorRole.FACILITATOR, date(2026, 12, 31)))
    await prepare_both_parties(coordinator, scheduling, case_id)
    response = await coordinator.post(f"/api/cases/{case_id}/session", json={
        "starts_at": "2026-04-14T10:00:00-07:00", "venue": "facility"})
    assert response.status_code == 201, response.text
    voided = ClearanceVoided(case_id=case_id, clearance_id=victims_grant.clearance_id,
                             visitor_id=victim, visitor_role=VisitorRole.VICTIM,
                             facility_code="SQ", reason="offender_transferred",
                             voided_at=clock())
    envelopes = await scheduling.feed(voided)
    await scheduling.redeliver(envelopes[0])
    assert scheduling.dead == []
    [alert] = (await coordinator.get("/api/alerts")).json()
    assert alert["kind"] == "clearance_lapsed" and "is void" in alert["detail"]
    case = (await coordinator.get(f"/api/cases/{case_id}")).json()
    [kept] = [c for c in case["clearances"] if not c["granted"]]
    assert (kept["clearance_id"], kept["reason"]) == (victims_grant.clearance_id,
                                                      "offender_transferred")
    response = await coordinator.post(f"/api/cases/{case_id}/session/cancel", json={})
    assert response.status_code == 200, response.text
    slots = (await coordinator.get(f"/api/cases/{case_id}/session/slots",
                                   params={"venue": "facility"})).json()
    assert slots["slots"] == [] and any("is void" in b for b in slots["blockers"])
    response = await coordinator.post(f"/api/cases/{case_id}/session", json={
        "starts_at": "2026-04-15T10:00:00-07:00", "venue": "facility"})
    assert response.status_code == 409
    assert any("gate clearance for SQ is void" in e["detail"] for e in response.json()["errors"])
    response = await coordinator.post(f"/api/cases/{case_id}/session", json={
        "starts_at": "2026-04-15T10:00:00-07:00", "venue": "video"})
    assert response.status_code == 201, response.text


async def test_an_event_about_a_case_never_opened_is_parked(scheduling):
    await scheduling.feed(approved(str(uuid.uuid4())))
    [(topic, reason)] = scheduling.dead
    assert reason.startswith("unprocessable") and "never opened" in reason


async def prepare_both_parties(client, scheduling, case_id: str) -> None:
    for hour, party in ((10, "victim"), (13, "offender")):
        response = await client.post(f"/api/cases/{case_id}/meetings", json={
            "party": party, "mode": "video", "starts_at": f"2026-03-03T{hour}:00:00-08:00"})
        assert response.status_code == 201, response.text
    scheduling.clock.advance(days=2)
    case = (await client.get(f"/api/cases/{case_id}")).json()
    for meeting in case["meetings"]:
        response = await client.post(
            f"/api/cases/{case_id}/meetings/{meeting['meeting_id']}/held",
            json={"outcome": "Prepared."})
        assert response.status_code == 200, response.text
    for party in ("victim", "offender"):
        response = await client.post(f"/api/cases/{case_id}/parties/{party}/ready", json={})
        assert response.status_code == 200, response.text


async def test_a_request_whose_logistics_intake_did_not_seal_is_dead_lettered(
        scheduling, tmp_path):
    """Logistics signed by a key pair that is not intake's though they name intake, or by
    another service (screening), or sealed by intake for another purpose (a person's contact):
    the request is not applied (nor retried, nor waited for), it is parked."""
    KeyDirectory(tmp_path / "elsewhere").init()
    not_intakes = IntakeSealer(tmp_path / "elsewhere")
    by_screening = IntakeSealer(TEST_KEYS.path)
    by_screening.keyring = TEST_KEYS.keyring("screening")
    reasons = []
    for sealer, purpose in ((not_intakes, LOGISTICS), (by_screening, LOGISTICS),
                            (INTAKE, CONTACT)):
        forged = request(str(uuid.uuid4()), travel=True)
        logistics = sealer.seal({"offer_travel_accommodation": True}, purpose,
                                about=forged.case_id)
        await scheduling.grant(forged.case_id)
        await scheduling.feed(forged.model_copy(update={"logistics": logistics}), keys=False)
        reasons.append(scheduling.dead.pop()[1])
    assert reasons[0].startswith("unprocessable: logistics refused: not_authentic")
    assert reasons[1].startswith("unprocessable: logistics refused: sealer_not_allowed: "
                                 "sealed by 'screening', not intake")
    assert reasons[2] == ("unprocessable: logistics refused: not_sealed_for_us: sealed for "
                          "contact, not logistics")
    assert scheduling.dead == [] and await scheduling.events() == []


async def test_a_request_carrying_another_cases_logistics_is_dead_lettered(scheduling):
    """Logistics really sealed by intake, but for another case, replayed in this one's
    request: intake's signature is about that case, not this one."""
    theirs, case_id = request(str(uuid.uuid4()), travel=True), str(uuid.uuid4())
    await scheduling.grant(theirs.case_id)
    await scheduling.feed(request(case_id).model_copy(update={"logistics": theirs.logistics}))
    [(topic, reason)] = scheduling.dead
    assert reason == ("unprocessable: logistics refused: not_authentic: not signed by intake "
                      "about this subject (forged, altered or replayed)")
    assert case_id not in reason and theirs.case_id not in reason
    assert await scheduling.events() == []


async def test_a_request_read_before_its_key_waits_and_is_applied_once_the_key_comes(
        scheduling):
    """The grant travels on vod.keys, read apart: a request can come first. It waits (it is
    neither parked nor applied without its logistics) and is applied once the key is here."""
    case_id = str(uuid.uuid4())
    waiting = asyncio.create_task(scheduling.feed(request(case_id, travel=True), keys=False))
    await asyncio.sleep(NOT_YET_S / 4)
    assert not waiting.done()
    coordinator = await scheduling.staff(Role.COORDINATOR)
    assert (await coordinator.get(f"/api/cases/{case_id}")).status_code == 404
    await scheduling.grant(case_id)
    await asyncio.wait_for(waiting, timeout=NOT_YET_S * 5)
    assert scheduling.dead == []
    case = (await coordinator.get(f"/api/cases/{case_id}")).json()
    assert case["travel_offered"] is True and case["details_erased"] is False


async def test_a_request_whose_key_never_comes_is_parked_after_the_wait(scheduling):
    case_id = str(uuid.uuid4())
    await scheduling.feed(request(case_id, travel=True), keys=False)
    [(_, reason)] = scheduling.dead
    assert reason.startswith("waited") and reason.endswith("KeyNotHereYet")
    assert case_id not in reason and await scheduling.events() == []
