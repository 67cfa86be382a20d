"""The indirect path's letter through the staff API, on a case closed because the offender
declined: recorded with its words, returned and revised, approved, kept in the letter bank at
her word, then given by mail when she asks. Its words are shown to staff, and are on no event
(nothing leaves scheduling but through its outbox) and in no history line."""
import uuid

from vod_shared.events import ScreeningCompleted
from vod_shared.staff import Role

from scheduling_tests.conftest import eligible, pacific, request


def declined(case_id: str) -> ScreeningCompleted:
    return ScreeningCompleted(case_id=case_id, outcome="declined", reasons=["offender_declined"],
                              indirect_path_offered=True, decided_by="screener",
                              decided_at=pacific(2026, 3, 1, 11))


async def test_a_letter_is_recorded_reviewed_kept_and_given_and_its_words_never_travel(
        scheduling):
    case_id = str(uuid.uuid4())
    await scheduling.feed(request(case_id), eligible(case_id), declined(case_id))
    coordinator = await scheduling.staff(Role.COORDINATOR, username="rosa")
    marker = f"Popocatepetlmarker{uuid.uuid4().hex[:6]}"
    first_words = f"I am sorry for what I did. {marker} first draft."
    base = f"/api/cases/{case_id}/letters"

    received = await coordinator.post(base, json={"received_on": "2026-04-03",
                                                  "text": first_words})
    assert received.status_code == 201, received.text
    [letter] = received.json()
    assert (letter["state"], letter["text"], letter["received_by"]) == (
        "received", first_words, "rosa")
    letter_id = letter["letter_id"]
    early = await coordinator.post(f"{base}/{letter_id}/handover", json={"handover": "by_mail"})
    assert early.status_code == 409, early.text

    assert (await coordinator.post(f"{base}/{letter_id}/review", json={
        "outcome": "returned_for_revision"})).status_code == 200
    revised_words = f"I take responsibility. {marker} revised."
    assert (await coordinator.post(f"{base}/{letter_id}/revision", json={
        "received_on": "2026-04-24", "text": revised_words})).status_code == 200
    assert (await coordinator.post(f"{base}/{letter_id}/review", json={
        "outcome": "approved"})).status_code == 200
    kept = await coordinator.post(f"{base}/{letter_id}/answer", json={"wants_letter": False})
    assert kept.json()[0]["state"] == "kept_in_letter_bank"
    await coordinator.post(f"{base}/{letter_id}/answer", json={"wants_letter": True})
    given = await coordinator.post(f"{base}/{letter_id}/handover", json={"handover": "by_mail"})
    assert given.status_code == 200, given.text
    [letter] = given.json()
    assert (letter["state"], letter["revision"], letter["text"], letter["handover"]) == (
        "delivered", 2, revised_words, "by_mail")
    assert (letter["reviewed_by"], letter["delivered_by"]) == ("rosa", "rosa")

    published = await scheduling.events()
    letter_events = [type(e).__name__ for e in published if type(e).__name__.startswith("Letter")]
    assert letter_events == ["LetterReceived", "LetterReviewed", "LetterReceived",
                             "LetterReviewed", "LetterKept", "LetterDelivered"]
    [closed] = [e for e in published if type(e).__name__ == "CaseClosed"]
    assert closed.reason == "offender_declined"
    for event in published:  # everything in the outbox: what reaches any topic
        assert marker not in event.model_dump_json()
    timeline = await coordinator.get(f"/api/cases/{case_id}/timeline")
    assert timeline.status_code == 200 and "LetterDelivered" in timeline.text
    assert marker not in timeline.text


async def test_only_the_cases_staff_reach_its_letters(scheduling):
    case_id = str(uuid.uuid4())
    await scheduling.feed(request(case_id), eligible(case_id), declined(case_id))
    outsider = await scheduling.staff(Role.FACILITATOR, username="ben")
    answer = await outsider.post(f"/api/cases/{case_id}/letters", json={
        "received_on": "2026-04-03", "text": "words"})
    assert answer.status_code == 404
    screener = await scheduling.staff(Role.SCREENER)
    assert (await screener.get(f"/api/cases/{case_id}/letters")).status_code == 403
