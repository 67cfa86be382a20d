"""The survey's results for a report: response rate over the surveys sent in the period, medians
over those answered in it, edges in Pacific time; and the page and its CSV agree."""
import csv
import io
import re
import uuid
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from vod_shared.periods import Period
from vod_shared.staff import Role

from scheduling.adapters import orm
from scheduling.domain.survey_report import SurveyLine, survey_figures
from scheduling.domain.surveys import SurveyStatus

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31), ZoneInfo("America/Los_Angeles"))


def utc(month: int, day: int, hour: int = 18) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=timezone.utc)


def line(sent, answered=None, answers=None, stage="after_dialogue", party="victim"):
    status = SurveyStatus.ANSWERED if answered else SurveyStatus.SENT
    return SurveyLine(stage, party, status, sent, answered, answers or {})


def test_response_rate_and_medians_by_stage_and_party():
    lines = [line(utc(3, 2), utc(3, 5), {"felt_safe": 5, "felt_heard": 4}),
             line(utc(3, 3), utc(4, 2), {"felt_safe": 1}),  # sent in March, answered in April
             line(utc(3, 4)),
             line(utc(2, 20), utc(3, 1), {"felt_safe": 4}),  # sent in February, answered here
             line(utc(3, 6), stage="enrollment", party="offender"),
             line(utc(4, 1, 8))]  # 1 April, 01:00 in California: not March's
    after, enrollment = survey_figures(lines, MARCH)
    assert (after.sent, after.answered_of_sent, after.response_rate) == (3, 2, 66.7)
    assert after.answered == 2
    assert after.medians["felt_safe"] == 4.5 and after.medians["felt_heard"] == 4
    assert after.medians["would_recommend"] is None
    assert (enrollment.stage, enrollment.party, enrollment.sent, enrollment.response_rate) == (
        "enrollment", "offender", 1, 0.0)


async def _seed(scheduling, sent, answered=None, answers=None):
    async with scheduling.runtime.uow() as uow:
        await uow.session.execute(insert(orm.surveys).values(
            survey_id=str(uuid.uuid4()), case_id=f"case-{uuid.uuid4().hex[:8]}", party="victim",
            stage="after_dialogue", due_at=sent, sent_at=sent,
            status="answered" if answered else "sent", answers=answers or {},
            answered_at=answered))
        await uow.commit()


async def test_the_page_and_the_csv_agree_and_only_directors_and_admins_read_them(scheduling):
    await _seed(scheduling, utc(3, 2), utc(3, 5), {"felt_safe": 5, "felt_heard": 4,
                                                  "well_prepared": 5, "would_recommend": 5})
    await _seed(scheduling, utc(3, 3))
    await _seed(scheduling, utc(4, 1, 6), utc(4, 1, 6), {"felt_safe": 3})  # 31 March there
    director = await scheduling.staff(Role.DIRECTOR)
    page = await director.get("/staff/reports", params={"from": "2026-03-01", "to": "2026-03-31"})
    assert page.status_code == 200 and "<svg" in page.text and "<script" not in page.text
    body = re.search(r'id="t-surveys">.*?<tbody>(.*?)</tbody>', page.text, re.S).group(1)
    shown = [re.findall(r"<td>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body)]
    assert shown == [["after_dialogue", "victim", "3", "2", "66.7", "2", "4", "4", "5", "5"]]
    sheet = await director.get("/staff/reports.csv",
                               params={"from": "2026-03-01", "to": "2026-03-31"})
    assert list(csv.reader(io.StringIO(sheet.text)))[2:] == shown
    coordinator = await scheduling.staff(Role.COORDINATOR)
    assert (await coordinator.get("/staff/reports")).status_code == 403
    assert (await coordinator.get("/staff/reports.csv")).status_code == 403
    backwards = await director.get("/staff/reports", params={"from": "2026-03-02",
                                                             "to": "2026-03-01"})
    assert backwards.status_code == 422 and "ends before it starts" in backwards.text
