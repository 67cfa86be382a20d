"""The staff's case list in pages: the newest cases first, fifty to a page, each page read in a
few statements whatever the store holds. It read every case, one at a time: with 3,000 cases a
coordinator's page was 36,000 statements and 6.4 s, the service's loop held all that time
(its consumer and webhooks waiting behind the page)."""
import re
import uuid

from sqlalchemy import event

from vod_shared.events import ActedBy, CasePaused
from vod_shared.staff import Role

from scheduling.service_layer.views import CASES_PAGE
from scheduling_tests.conftest import approved, eligible, request
from scheduling_tests.unit.test_following_other_services import add_facilitator


def listed(page: str) -> list[str]:
    """The cases a page's list links to, in its order (the wait list's and alerts' left out)."""
    table = page.split('id="cases"', 1)[1]
    return re.findall(r'href="/staff/cases/([^"#?]+)"', table)


async def opened(scheduling, clock, count: int) -> list[str]:
    """``count`` eligible cases, a minute apart, oldest first."""
    ids = []
    for _ in range(count):
        case_id = str(uuid.uuid4())
        await scheduling.feed(request(case_id), eligible(case_id))
        ids.append(case_id)
        clock.advance(minutes=1)
    return ids


class Statements:
    def __init__(self, engine) -> None:
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *args) -> None:
        self.count += 1


async def test_the_list_shows_the_newest_fifty_and_pages_on_to_the_older(scheduling, clock):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    ids = await opened(scheduling, clock, CASES_PAGE + 5)

    first = await coordinator.get("/staff/cases")
    assert first.status_code == 200
    assert listed(first.text) == ids[::-1][:CASES_PAGE]
    assert f"1–{CASES_PAGE} of {CASES_PAGE + 5}" in first.text
    assert 'href="/staff/cases?page=2#cases" rel="next">Older cases' in first.text
    assert "Newer cases" not in first.text

    second = await coordinator.get("/staff/cases", params={"page": 2})
    assert listed(second.text) == ids[:5][::-1]
    assert f"{CASES_PAGE + 1}–{CASES_PAGE + 5} of {CASES_PAGE + 5}" in second.text
    assert 'href="/staff/cases?page=1#cases" rel="prev">Newer cases' in second.text
    assert "Older cases" not in second.text
    # a page past the last (an old bookmark) shows the last
    assert listed((await coordinator.get("/staff/cases", params={"page": 9})).text) == \
        listed(second.text)
    assert (await coordinator.get("/staff/cases", params={"page": 0})).status_code == 422


async def test_a_page_takes_as_many_statements_with_twice_the_cases(scheduling, clock):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    statements = Statements(scheduling.runtime.engine)
    seen, held = {}, 0
    for total in (CASES_PAGE + 10, 2 * CASES_PAGE + 20):
        held += len(await opened(scheduling, clock, total - held))
        for path in ("/staff/cases", "/api/cases", "/staff/calendar"):
            statements.count = 0
            assert (await coordinator.get(path)).status_code == 200
            seen.setdefault(total, {})[path] = statements.count
    # the old code: 364 statements for the first page with 60 cases, 724 with 120
    assert seen[CASES_PAGE + 10] == seen[2 * CASES_PAGE + 20], seen
    assert len((await coordinator.get("/api/cases")).json()) == 2 * CASES_PAGE + 20


async def test_the_wait_list_shows_its_head_and_alerts_name_cases_on_other_pages(
        scheduling, clock):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    waiting = []
    for _ in range(CASES_PAGE + 2):
        case_id = str(uuid.uuid4())
        await scheduling.feed(request(case_id), eligible(case_id), approved(case_id))
        waiting.append(case_id)
        clock.advance(minutes=1)
    oldest = waiting[0]
    await scheduling.feed(request(oldest).model_copy(update={"reference": "VOD-2026-000777"}))
    await scheduling.feed(CasePaused(case_id=oldest, by=ActedBy.VICTIM, at=clock()))

    page = await coordinator.get("/staff/cases")
    wait_list = page.text.split("<h2>Wait list</h2>", 1)[1].split('id="cases"', 1)[0]
    assert f"The {CASES_PAGE} waiting longest, of {CASES_PAGE + 2}." in wait_list
    assert re.findall(r'href="/staff/cases/([^"]+)"', wait_list) == waiting[:CASES_PAGE]
    # the paused case is on the list's second page; its alert still names it
    assert oldest not in listed(page.text)
    alerts = page.text.split('id="alerts"', 1)[1].split("<h2>", 1)[0]
    assert f'<a href="/staff/cases/{oldest}">VOD-2026-000777</a>' in alerts


async def test_a_facilitator_lists_only_the_cases_they_are_on_now(scheduling, clock,
                                                                  monkeypatch):
    """Also when a coordinator takes them off one while their list is being read: the list
    is read a chunk at a time, the service's loop doing other work between chunks."""
    import scheduling.adapters.repository as repository

    coordinator = await scheduling.staff(Role.COORDINATOR)
    ana = await scheduling.staff(Role.FACILITATOR, username="ana")
    await add_facilitator(coordinator, "Ana", username="ana", capacity=10)
    ids = []
    for _ in range(3):
        case_id = str(uuid.uuid4())
        await scheduling.feed(request(case_id), eligible(case_id), approved(case_id))
        ids.append(case_id)
        clock.advance(minutes=1)
    fay = await add_facilitator(coordinator, "Fay", username="fay", capacity=10)
    assert (await coordinator.post(f"/api/cases/{ids[1]}/facilitators",
                                   json={"facilitator_ids": [fay]})).status_code == 200
    assert listed((await ana.get("/staff/cases")).text) == [ids[2], ids[0]]

    took_turn = repository.take_turn

    async def taken_off_meanwhile() -> None:
        monkeypatch.setattr(repository, "take_turn", took_turn)
        moved = await coordinator.post(f"/api/cases/{ids[2]}/facilitators",
                                       json={"facilitator_ids": [fay]})
        assert moved.status_code == 200
        await took_turn()

    monkeypatch.setattr(repository, "LIST_CHUNK", 1)
    monkeypatch.setattr(repository, "take_turn", taken_off_meanwhile)
    # oldest first: her first case read, then the coordinator's move, then the newest read
    assert [c["case_id"] for c in (await ana.get("/api/cases")).json()] == [ids[0]]
    assert repository.take_turn is took_turn  # the move did come between the reads
