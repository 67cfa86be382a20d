"""The week grid staff plan with: weeks run Monday to Monday in the program's zone (a daylight-
saving week too), a facilitator's hours are shaded, the times offered are the API's earliest
fitting times, and one click on an offered time books the meeting and shows it on the grid."""
import re
import uuid
from datetime import date, datetime, time, timedelta, timezone

from vod_shared.staff import Role

from scheduling.domain.availability import PROGRAM_ZONE, Availability, WeeklyHours
from scheduling.service_layer.week import Week, grid
from scheduling_tests.builders import pacific
from scheduling_tests.conftest import approved, eligible, request
from scheduling_tests.unit.test_following_other_services import add_facilitator
from scheduling_tests.unit.test_staff_pages import token


def test_a_week_runs_from_monday_midnight_in_the_program_s_zone():
    # Sunday 22:00 in Los Angeles is Monday in UTC: still the Pacific week that ends that day.
    late_sunday = datetime(2026, 3, 16, 5, 0, tzinfo=timezone.utc)
    week = Week.containing(late_sunday, PROGRAM_ZONE)
    assert week.first_day == date(2026, 3, 9) and week.days[-1] == date(2026, 3, 15)
    assert week.span.start == pacific(2026, 3, 9, 0)
    assert week.previous.first_day == date(2026, 3, 2) and week.next.first_day == date(2026, 3, 16)


def elapsed(span) -> timedelta:
    """Real time passed (subtracting two times of one zone gives the wall-clock difference)."""
    return span.end.astimezone(timezone.utc) - span.start.astimezone(timezone.utc)


def test_a_week_with_a_clock_change_is_an_hour_short_or_long():
    spring = Week.containing(date(2026, 3, 8), PROGRAM_ZONE)  # clocks go forward on Sunday 8 March
    autumn = Week.containing(date(2026, 11, 1), PROGRAM_ZONE)  # and back on Sunday 1 November
    assert spring.first_day == date(2026, 3, 2) and autumn.first_day == date(2026, 10, 26)
    assert elapsed(spring.span) == timedelta(hours=167)
    assert elapsed(autumn.span) == timedelta(hours=169)
    # The rows are wall-clock hours on both sides of the change.
    assert spring.cell(date(2026, 3, 8), 9).start.utcoffset() == timedelta(hours=-7)
    assert spring.cell(date(2026, 3, 2), 9).start.utcoffset() == timedelta(hours=-8)


def test_the_grid_shades_a_facilitator_s_hours_and_places_each_entry_in_its_hour():
    week = Week(date(2026, 3, 2), PROGRAM_ZONE)
    hours = Availability(PROGRAM_ZONE, (WeeklyHours(0, time(9), time(12)),
                                        WeeklyHours(6, time(9, 30), time(11))))
    meeting = {"starts_at": "2026-03-08T10:00:00-07:00", "ends_at": "2026-03-08T11:00:00-07:00"}
    rows = {row["hour"]: row["cells"] for row in grid(week, [meeting], hours)}
    assert [rows[h][0]["available"] for h in (8, 9, 11, 12)] == [False, True, True, False]
    assert rows[9][1]["available"] is False  # Tuesday: no hours
    assert rows[9][6]["available"] and rows[10][6]["entries"] == [meeting]  # after the change
    assert all(not cell["entries"] for h, cells in rows.items() if h != 10 for cell in cells)
    unshaded = grid(week, [], None)
    assert all(cell["available"] is None for row in unshaded for cell in row["cells"])
    assert [row["hour"] for row in unshaded] == list(range(7, 20))
    late = {"starts_at": "2026-03-04T21:30:00-08:00", "ends_at": "2026-03-04T22:30:00-08:00"}
    with_late = grid(week, [late], None)
    assert with_late[-1]["hour"] == 21 and with_late[-1]["cells"][2]["entries"] == [late]


def offered(page: str) -> list[str]:
    return re.findall(r'<button name="slot" value="([^"]+)">', page)


async def test_the_grid_offers_the_api_s_earliest_times_and_one_click_books_one(scheduling):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    eli = await add_facilitator(coordinator, "Eli")
    case_id = str(uuid.uuid4())
    await scheduling.feed(request(case_id), eligible(case_id), approved(case_id))

    page = await coordinator.get("/staff/calendar", params={"case": case_id})
    assert page.status_code == 200, page.text
    assert "week of Monday 2 March 2026: Eli" in page.text  # the case's facilitator, shaded
    assert 'Start time (America/Los_Angeles)' in page.text
    api = await coordinator.get(f"/api/cases/{case_id}/meetings/slots",
                                params={"from": "2026-03-02T00:00:00-08:00", "days": 7})
    times = [s["starts_at"] for s in api.json()["slots"]]
    assert offered(page.text) == times and len(times) == 5
    assert times[0] == "2026-03-02T09:00:00-08:00"  # the clock is Monday 08:00; Eli starts at 9

    form = {"case": case_id, "party": "victim", "mode": "video", "slot": times[1]}
    forged = await coordinator.post("/staff/calendar/meetings", data=form)
    assert forged.status_code == 403
    done = await coordinator.post("/staff/calendar/meetings",
                                  data={**form, "csrf_token": token(page.text)})
    assert done.status_code == 303, done.text
    shown = await coordinator.get(done.headers["location"])
    assert "The meeting is booked." in shown.text
    assert "09:00–10:00 Meeting with the victim (video)" in shown.text
    [meeting] = await scheduling.events("MeetingScheduled")
    assert meeting.starts_at.isoformat() == "2026-03-03T09:00:00-08:00"
    # Booked, that time is no longer offered; the next day's first hour is.
    assert times[1] not in offered(shown.text)
    by_facilitator = await coordinator.get("/staff/calendar",
                                           params={"from": "2026-03-02", "facilitator": eli})
    assert "Meeting with the victim (video)" in by_facilitator.text
    elsewhere = await coordinator.get("/staff/calendar",
                                      params={"from": "2026-03-02", "facility": "CIW"})
    assert "Meeting with the victim" not in elsewhere.text


async def test_a_typed_time_is_read_in_the_program_s_zone(scheduling):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    await add_facilitator(coordinator, "Eli")
    case_id = str(uuid.uuid4())
    await scheduling.feed(request(case_id), eligible(case_id), approved(case_id))
    page = await coordinator.get("/staff/calendar", params={"case": case_id, "from": "2026-03-09"})
    late = await coordinator.post("/staff/calendar/meetings", data={
        "case": case_id, "party": "victim", "mode": "phone", "date": "2026-03-10",
        "time": "20:00", "csrf_token": token(page.text)})
    assert late.status_code == 409 and "That could not be done." in late.text
    assert "week of Monday 9 March 2026" in late.text  # the grid again, with the reason
    done = await coordinator.post("/staff/calendar/meetings", data={
        "case": case_id, "party": "offender", "mode": "in_person", "date": "2026-03-10",
        "time": "10:00", "place": "SQ visiting room B", "csrf_token": token(page.text)})
    assert done.status_code == 303, done.text
    assert done.headers["location"].startswith("/staff/calendar?from=2026-03-09")
    [meeting] = await scheduling.events("MeetingScheduled")
    assert meeting.starts_at.isoformat() == "2026-03-10T10:00:00-07:00"  # after the change


async def test_a_video_dialogue_is_offered_without_asking_for_gate_clearance(scheduling):
    from scheduling_tests.unit.test_after_the_dialogue import ready_case

    coordinator = await scheduling.staff(Role.COORDINATOR)
    await add_facilitator(coordinator, "Eli")
    case_id = await ready_case(scheduling, coordinator)
    await coordinator.put("/api/facilities/SQ", json={"visiting_hours": {
        "weekly": [{"weekday": d, "start": "08:00", "end": "15:00"} for d in range(5)]}})
    at_the_prison = await coordinator.get(f"/staff/cases/{case_id}")
    # At the prison nobody is cleared yet: no time, and the way to a video dialogue.
    assert "has no gate clearance for SQ" in at_the_prison.text
    assert not offered_dialogue(at_the_prison.text)
    assert f'href="/staff/cases/{case_id}?venue=video"' in at_the_prison.text
    page = await coordinator.get(f"/staff/cases/{case_id}", params={"venue": "video"})
    assert "By video: no gate clearance is needed." in page.text
    times = offered_dialogue(page.text)
    assert times and "gate clearance for" not in page.text
    done = await coordinator.post(f"/staff/cases/{case_id}/session", data={
        "starts_at": times[0], "venue": "video", "csrf_token": token(page.text)})
    assert done.status_code == 303, done.text
    [scheduled] = await scheduling.events("SessionScheduled")
    assert scheduled.venue == "video"


def offered_dialogue(page: str) -> list[str]:
    return re.findall(r'<input type="radio" name="starts_at" value="([^"]+)"', page)


async def test_a_screener_reads_the_grid_and_books_nothing(scheduling):
    coordinator = await scheduling.staff(Role.COORDINATOR)
    await add_facilitator(coordinator, "Eli")
    case_id = str(uuid.uuid4())
    await scheduling.feed(request(case_id), eligible(case_id), approved(case_id))
    screener = await scheduling.staff(Role.SCREENER)
    page = await screener.get("/staff/calendar", params={"case": case_id})
    assert page.status_code == 200 and "week of Monday 2 March 2026: Eli" in page.text
    assert "Book a preparation meeting" not in page.text and not offered(page.text)
    refused = await screener.post("/staff/calendar/meetings", data={
        "case": case_id, "party": "victim", "mode": "phone", "date": "2026-03-03",
        "time": "10:00", "csrf_token": token(page.text)})
    assert refused.status_code == 403
    assert not await scheduling.events("MeetingScheduled")
