"""Work that comes due later is a row in the store: it survives a restart, waits while the case
is on hold, and is done once."""
import uuid

from vod_shared.events import ActedBy, CasePaused, CaseResumed

from scheduling_tests.conftest import approved, eligible, request, start_app


async def test_surveys_come_due_after_a_restart_and_are_sent_once(tmp_path, clock):
    first = await start_app(tmp_path, clock)
    case_id = str(uuid.uuid4())
    await first.feed(request(case_id), eligible(case_id), approved(case_id))
    await first.close()

    clock.advance(hours=1)
    again = await start_app(tmp_path, clock)
    try:
        assert await again.app.state.due_work.run_once() == 1
        assert await again.app.state.due_work.run_once() == 0
        sent = await again.events("SurveyDue")
        assert {(s.party, s.stage) for s in sent} == {("victim", "enrollment"),
                                                      ("offender", "enrollment")}
        [victims] = [s for s in sent if s.party == "victim"]
        assert victims.recipient_id == f"victim-{case_id[:8]}"
    finally:
        await again.close()


async def test_nothing_comes_due_while_the_case_is_on_hold(scheduling, clock):
    case_id = str(uuid.uuid4())
    await scheduling.feed(request(case_id), eligible(case_id), approved(case_id),
                          CasePaused(case_id=case_id, by=ActedBy.VICTIM, at=clock()))
    clock.advance(days=3)
    assert await scheduling.app.state.due_work.run_once() == 0
    await scheduling.feed(CaseResumed(case_id=case_id, by=ActedBy.VICTIM, at=clock()))
    assert await scheduling.app.state.due_work.run_once() == 1
    assert len(await scheduling.events("SurveyDue")) == 2
