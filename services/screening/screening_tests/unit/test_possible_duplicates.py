"""Possible duplicates (case squatting): intake's PossibleDuplicateFound puts the newer case in
the work queue for a person, both timelines name the other case, and a screener's decision is
audited and announced as DuplicateResolved."""
import re
from datetime import datetime, timezone

from vod_shared import events as e
from vod_shared.staff import Role

from ..conftest import new_cdcr_number, request_for
from .test_staff_api import in_prison

NOW = datetime.now(timezone.utc)
OLDER, NEWER = "VOD-2026-000101", "VOD-2026-000102"
BOTH = [e.DuplicateOverlap.SAME_EMAIL, e.DuplicateOverlap.SAME_PHONE]


def request(cdcr: str, reference: str) -> e.RequestReceived:
    return request_for(cdcr).model_copy(update={"reference": reference})


def found(newer: str, older: str, overlaps=(e.DuplicateOverlap.SAME_EMAIL,)):
    return e.PossibleDuplicateFound(case_id=newer, other_case_id=older, overlaps=list(overlaps),
                                    at=NOW)


async def two_cases(screening, cdcr: str | None = None) -> tuple[str, str]:
    """An older and a newer case about one offender (in prison: both await screening)."""
    cdcr = cdcr or await in_prison(screening)
    older, newer = request(cdcr, OLDER), request(cdcr, NEWER)
    await screening.apply(older)
    await screening.apply(newer)
    return older.case_id, newer.case_id


async def lines(screening, case_id: str) -> list[str]:
    async with screening.runtime.uow() as uow:
        return [line.summary for line in await uow.timeline.of_case(case_id)
                if "uplicate" in line.event_type]


async def queue(client, **params) -> dict:
    answer = await client.get("/api/queue", params=params)
    assert answer.status_code == 200, answer.text
    return {item["case_id"]: item for item in answer.json()["items"]}


async def test_the_newer_case_waits_in_the_queue_and_both_timelines_name_the_other(screening):
    older, newer = await two_cases(screening)
    screener = await screening.staff(Role.SCREENER)
    yes = {"offender_consents": True, "offender_acknowledges_responsibility": True,
           "safety_concerns": False, "victim_ready": True, "outcome": "approved"}
    await screener.post(f"/api/cases/{newer}/screening", json=yes)  # nothing left to screen
    assert newer not in await queue(screener)

    await screening.apply(found(newer, older, BOTH))
    await screening.apply(found(newer, older, BOTH))  # announced again, with another id

    waiting = await queue(screener)
    assert waiting[newer]["possible_duplicate"] is True
    assert waiting[newer]["possible_duplicate_of"] == [{"case_id": older, "reference": OLDER}]
    assert waiting[older]["possible_duplicate"] is False  # decided on the newer case only
    assert list(await queue(screener, possible_duplicate="true")) == [newer]
    assert list(await queue(screener, stage="needs_review", possible_duplicate="true")) == []
    shared = "the same email address and the same phone number"
    assert await lines(screening, newer) == [
        f"Possible duplicate of {OLDER}: the requests give {shared} — a person decides "
        "whether one requester made both"]
    assert await lines(screening, older) == [
        f"Possible duplicate of {NEWER}: the requests give {shared} — a person decides "
        "whether one requester made both"]
    case = (await screener.get(f"/api/cases/{newer}")).json()
    assert case["waiting_on"][0] == {"on": "Screening", "what": (
        f"Deciding whether one requester made this request and {OLDER} (they give {shared}).")}
    assert [(d["other_reference"], d["decided_here"], d["decision"])
            for d in case["possible_duplicates"]] == [(OLDER, True, None)]


async def test_it_may_come_before_either_request_and_the_lines_get_the_references(screening):
    cdcr = await in_prison(screening)
    older, newer = request(cdcr, OLDER), request(cdcr, NEWER)
    await screening.apply(found(newer.case_id, older.case_id), subject=newer.case_id)
    assert await lines(screening, newer.case_id) == [
        "Possible duplicate of a case screening has not heard of yet: the requests give the "
        "same email address — a person decides whether one requester made both"]
    screener = await screening.staff(Role.SCREENER)
    assert await queue(screener) == {}  # nothing to show until the newer request is here

    await screening.apply(newer)
    assert (await queue(screener))[newer.case_id]["possible_duplicate_of"] == [
        {"case_id": older.case_id, "reference": None}]
    assert (await lines(screening, older.case_id))[0].startswith(
        f"Possible duplicate of {NEWER}: ")
    page = await screener.get(f"/staff/cases/{newer.case_id}")
    assert "Possible duplicate of a case screening has not heard of yet" in page.text
    assert f'href="/staff/cases/{older.case_id}"' not in page.text

    await screening.apply(older)
    assert (await lines(screening, newer.case_id))[0].startswith(
        f"Possible duplicate of {OLDER}: ")
    page = await screener.get(f"/staff/cases/{newer.case_id}")
    assert f'<a href="/staff/cases/{older.case_id}">{OLDER}</a>' in page.text


async def test_a_screener_decides_once_and_it_is_announced_audited_and_told(screening):
    older, newer = await two_cases(screening)
    await screening.apply(found(newer, older))
    screener = await screening.staff(Role.SCREENER, Role.ADMIN, username="rosa")

    answer = await screener.post(f"/api/cases/{newer}/duplicate",
                                 json={"decision": "different_requesters"})
    assert answer.status_code == 200, answer.text
    assert {k: answer.json()[k] for k in ("case_id", "other_case_id", "decision", "decided_by")
            } == {"case_id": newer, "other_case_id": older, "decision": "different_requesters",
                  "decided_by": "rosa"}
    [resolved] = [ev for ev in await screening.events("vod.screening")
                  if ev.type == "vod.DuplicateResolved.v1"]
    assert (resolved.subject, resolved.data.case_id, resolved.data.other_case_id,
            resolved.data.decision) == (newer, newer, older, "different_requesters")
    assert newer not in await queue(screener, possible_duplicate="true")
    assert (await lines(screening, newer))[-1] == (
        f"Possible duplicate of {OLDER} decided by rosa: different requesters")
    assert (await lines(screening, older))[-1] == (
        f"Possible duplicate of {NEWER} decided by rosa: different requesters")

    twice = await screener.post(f"/api/cases/{newer}/duplicate",
                                json={"decision": "same_requester"})
    assert twice.status_code == 409
    assert twice.headers["content-type"] == "application/problem+json"
    assert "already decided: different requesters (by rosa)" in twice.json()["detail"]
    assert len([ev for ev in await screening.events("vod.screening")
                if ev.type == "vod.DuplicateResolved.v1"]) == 1
    log = (await screener.get("/api/audit", params={"case_id": newer})).json()["items"]
    assert [(entry["action"], entry["outcome"]) for entry in log
            if entry["action"] == "duplicate.resolve"] == [
        ("duplicate.resolve", "refused_invalid"), ("duplicate.resolve", "done")]


async def test_what_cannot_be_decided_is_refused_as_a_problem(screening):
    older, newer = await two_cases(screening)
    await screening.apply(found(newer, older))
    screener = await screening.staff(Role.SCREENER)

    async def decide(case_id: str, body: dict, client=screener):
        return await client.post(f"/api/cases/{case_id}/duplicate", json=body)

    unknown = await decide("no-such-case", {"decision": "same_requester"})
    none_here = await decide(older, {"decision": "same_requester"})  # decided on the newer
    other = await decide(newer, {"decision": "same_requester", "other_case_id": "x"})
    for refused in (unknown, none_here, other):
        assert refused.status_code == 404
        assert refused.headers["content-type"] == "application/problem+json"
    bad = await decide(newer, {"decision": "maybe", "note": "x"})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert {err["field"] for err in bad.json()["errors"]} == {"decision", "note"}
    assert (await decide(newer, {})).status_code == 422
    coordinator = await screening.staff(Role.COORDINATOR, Role.INTAKE)
    assert (await decide(newer, {"decision": "same_requester"}, coordinator)).status_code == 403
    await screening.apply(e.CasePaused(case_id=newer, by="victim", at=NOW))
    paused = await decide(newer, {"decision": "same_requester"})
    assert paused.status_code == 409 and "paused" in paused.json()["detail"]
    assert [ev for ev in await screening.events("vod.screening")
            if ev.type == "vod.DuplicateResolved.v1"] == []


async def test_more_than_one_to_decide_needs_the_other_case_named(screening):
    cdcr = await in_prison(screening)
    first, newer = await two_cases(screening, cdcr)
    second = request(cdcr, "VOD-2026-000103")
    await screening.apply(second)
    await screening.apply(found(newer, first))
    await screening.apply(found(newer, second.case_id, [e.DuplicateOverlap.SAME_PHONE]))
    screener = await screening.staff(Role.SCREENER)
    unnamed = await screener.post(f"/api/cases/{newer}/duplicate",
                                  json={"decision": "same_requester"})
    assert unnamed.status_code == 422
    assert unnamed.json()["errors"] == [{"field": "other_case_id", "detail": (
        "This case may duplicate more than one case: say which one (other_case_id).")}]
    named = await screener.post(f"/api/cases/{newer}/duplicate", json={
        "decision": "same_requester", "other_case_id": second.case_id})
    assert named.status_code == 200
    assert (await queue(screener))[newer]["possible_duplicate_of"] == [
        {"case_id": first, "reference": OLDER}]
    last = await screener.post(f"/api/cases/{newer}/duplicate",
                               json={"decision": "different_requesters"})
    assert (last.status_code, last.json()["other_case_id"]) == (200, first)


def token(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


async def test_the_case_page_tells_what_is_shared_in_words_and_decides_with_a_form(screening):
    cdcr = new_cdcr_number()
    older, newer = request(cdcr, OLDER), request(cdcr, NEWER)
    for r in (older, newer):
        await screening.apply(screening.person(r.requester_id, email="ana@example.org"),
                              subject=r.requester_id)
        await screening.apply(r)
    await screening.grant()
    await screening.apply(found(newer.case_id, older.case_id, BOTH))
    screener = await screening.staff(Role.SCREENER)

    listed = await screener.get("/staff/queue", params={"stage": "possible_duplicate"})
    assert "1 case waiting" in listed.text and f"Possible duplicate of {OLDER}" in listed.text
    assert 'value="possible_duplicate" selected' in listed.text
    page = await screener.get(f"/staff/cases/{newer.case_id}")
    assert f'Possible duplicate of <a href="/staff/cases/{older.case_id}">{OLDER}</a>' in page.text
    assert "<strong>the same email address and the same phone number</strong>" in page.text
    assert 'value="same_requester">Same requester</button>' in page.text
    assert 'value="different_requesters" class="secondary">Different requesters' in page.text
    for contact in ("ana@example.org", "6195550100"):
        assert contact not in page.text
    their = await screener.get(f"/staff/cases/{older.case_id}")
    assert "A newer request, case" in their.text and f">{NEWER}</a>" in their.text
    assert "Same requester</button>" not in their.text
    coordinator = await screening.staff(Role.COORDINATOR)  # sees the case, does not decide
    assert "Same requester</button>" not in (
        await coordinator.get(f"/staff/cases/{newer.case_id}")).text

    forged = await screener.post(f"/staff/cases/{newer.case_id}/duplicate", data={
        "decision": "same_requester", "other_case_id": older.case_id})
    assert forged.status_code == 403 and "The form has expired" in forged.text
    answer = await screener.post(f"/staff/cases/{newer.case_id}/duplicate", data={
        "csrf_token": token(page), "decision": "same_requester",
        "other_case_id": older.case_id})
    assert answer.status_code == 303
    after = await screener.get(answer.headers["location"])
    assert "Decision on the possible duplicate recorded and announced." in after.text
    assert "Same requester</button>" not in after.text
    assert f"Possible duplicate of {OLDER} decided by {screener.username}: the same requester" \
        in after.text
    again = await screener.post(f"/staff/cases/{newer.case_id}/duplicate", data={
        "csrf_token": token(page), "decision": "different_requesters",
        "other_case_id": older.case_id})
    assert again.status_code == 422 and "already decided: the same requester" in again.text
    decided = [ev.data.decision for ev in await screening.events("vod.screening")
               if ev.type == "vod.DuplicateResolved.v1"]
    assert decided == ["same_requester"]
