"""The reports page and its CSV, on a seeded timeline: the same numbers, for directors and admins."""
import csv
import io
import re
import uuid
from datetime import datetime, timezone

from vod_shared import events as e
from vod_shared.events import ActedBy, CaseWithdrawn
from vod_shared.staff import Role

from screening.adapters.read_model import TimelineEntry

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def utc(month: int, day: int, hour: int = 20) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=timezone.utc)


async def seed(screening, case_id: str, kind: type, moment: datetime, code: str | None = None):
    async with screening.runtime.uow() as uow:
        await uow.timeline.add(TimelineEntry(case_id, str(uuid.uuid4()), kind.type_name(),
                                             "/services/test", moment, "a line", code))
        await uow.commit()


async def seeded_march(screening) -> None:
    a, b, c, d = (f"case-{uuid.uuid4().hex[:8]}" for _ in range(4))
    # 31 March, 23:00 in California: still March, though April in UTC.
    await seed(screening, d, e.RequestReceived, utc(4, 1, 6))
    await seed(screening, a, e.RequestReceived, utc(2, 20))
    await seed(screening, b, e.RequestReceived, utc(3, 2))
    await seed(screening, c, e.RequestReceived, utc(3, 5))
    await seed(screening, a, e.EligibilityDetermined, utc(3, 1), "eligible")
    await seed(screening, b, e.EligibilityDetermined, utc(3, 4), "needs_review")
    await seed(screening, b, e.EligibilityDetermined, utc(3, 6), "eligible")
    await seed(screening, c, e.EligibilityDetermined, utc(3, 7), "ineligible")
    await seed(screening, a, e.FacilitatorAssigned, utc(3, 10))
    await seed(screening, b, e.FacilitatorAssigned, utc(3, 22))
    await seed(screening, a, e.SessionCompleted, utc(3, 28))
    await seed(screening, c, e.CaseWithdrawn, utc(3, 9), "victim_not_ready")
    await seed(screening, a, e.SurveyDue, utc(3, 29), "after_dialogue")


def page_rows(html: str) -> list[tuple[str, str, str]]:
    found = []
    for section, body in re.findall(r'<table class="report" id="t-([a-z_]+)">(.*?)</table>', html,
                                    re.S):
        for item, value in re.findall(r'<th scope="row" data-code="([^"]*)">[^<]*</th>'
                                      r'<td>([^<]*)</td>', body):
            found.append((section, item, "" if value == "—" else value))
    return found


async def test_the_page_and_the_csv_give_the_same_numbers(screening):
    await seeded_march(screening)
    director = await screening.staff(Role.DIRECTOR)
    page = await director.get("/staff/reports", params=MARCH)
    assert page.status_code == 200
    shown = page_rows(page.text)
    assert ("requests", "2026-03", "3") in shown
    assert ("eligibility", "eligible", "2") in shown and ("eligibility", "ineligible", "1") in shown
    assert ("stage_days", "Facilitators assigned", "19") in shown  # a: 18 d, b: 20 d
    assert ("dialogues", "held", "1") in shown
    assert ("withdrawals", "victim_not_ready", "1") in shown
    assert ("surveys_due", "after_dialogue", "1") in shown
    assert page.text.count('<svg class="chart"') == 4 and "<script" not in page.text

    sheet = await director.get("/staff/reports.csv", params=MARCH)
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/csv")
    assert "attachment" in sheet.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(sheet.text)))
    assert table[:3] == [["section", "item", "value"], ["period", "from", "2026-03-01"],
                         ["period", "to", "2026-03-31"]]
    assert [tuple(row) for row in table[3:]] == shown


async def test_events_heard_and_decisions_made_are_counted_by_their_codes(screening):
    case_id = await screening.request("AB1234")
    await screening.apply(CaseWithdrawn(case_id=case_id, by=ActedBy.FACILITATOR,
                                        reason="victim_not_ready", at=datetime.now(timezone.utc)),
                          source="/services/scheduling")
    today = datetime.now(timezone.utc).date().isoformat()
    admin = await screening.staff(Role.ADMIN)
    sheet = await admin.get("/staff/reports.csv", params={"from": "2020-01-01", "to": today})
    table = list(csv.reader(io.StringIO(sheet.text)))
    assert ["withdrawals", "victim_not_ready", "1"] in table
    # Screening's own decision, written to the timeline as it was emitted, counts too.
    assert [row for row in table if row[0] == "eligibility"] == [
        ["eligibility", "needs_review", "1"]]


async def test_only_directors_and_admins_see_the_figures_and_a_bad_period_is_explained(screening):
    screener = await screening.staff(Role.SCREENER)
    assert (await screener.get("/staff/reports")).status_code == 403
    assert (await screener.get("/staff/reports.csv")).status_code == 403
    director = await screening.staff(Role.DIRECTOR)
    backwards = await director.get("/staff/reports", params={"from": "2026-03-02",
                                                             "to": "2026-03-01"})
    assert backwards.status_code == 422 and "ends before it starts" in backwards.text
    assert (await director.get("/staff/reports")).status_code == 200  # the last twelve months
    assert (await director.get("/staff/")).headers["location"] == "/staff/reports"
    assert (await director.get("/staff/queue")).status_code == 403  # figures, never a case
