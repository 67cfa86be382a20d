"""The notice report over HTTP, on a seeded delivery log: the page's table and the CSV give the
same numbers; only directors and admins may read them."""
import csv
import io
import json
import re
import uuid
from datetime import datetime, timezone

import httpx
import pytest
from sqlalchemy import insert

from vod_devtools.staff_testing import add_staff, sign_in
from vod_shared.staff import Role

from notifications.adapters.orm import deliveries
from notifications.bootstrap import bootstrap
from notifications.config import Settings

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
async def app(harness, clock, tmp_path):
    settings = Settings(
        NOTIFICATIONS_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'notifications.db'}",
        VOD_KEYS_DIR=str(tmp_path / "keys"), VOD_DATA_DIR=str(tmp_path / "var"),
        KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1", VOD_STAFF_FILE=str(tmp_path / "staff.toml"),
        STAFF_SESSION_SECRET="notifications-tests-session-secret-0123456789")
    _, app = bootstrap(settings, clock, email=harness.email, sms=harness.sms)
    app.state.settings = settings
    yield app
    await app.state.runtime.engine.dispose()


async def browser(app, *roles: Role) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                               base_url="http://notifications.test")
    await sign_in(client, add_staff(app.state.settings.effective_staff_file(),
                                    f"staff{uuid.uuid4().hex[:8]}", *roles))
    return client


async def seed(harness, template: str, channel: str, status: str, created_at: datetime,
               delivered: bool = False) -> None:
    async with harness.engine.begin() as conn:
        await conn.execute(insert(deliveries).values(
            id=str(uuid.uuid4()), cause_event_id=str(uuid.uuid4()),
            recipient_id=str(uuid.uuid4()), channel=channel, template=template,
            subject="case-x", reference="VOD-TEST", language="en", params=json.dumps({}),
            urgent=False, status=status, due_at=created_at, created_at=created_at, attempts=1,
            delivered_at=created_at if delivered else None))


async def test_the_page_and_the_csv_give_the_same_numbers(app, harness):
    march = datetime(2026, 3, 10, 18, tzinfo=timezone.utc)
    for status in ("sent", "sent", "failed", "skipped"):
        await seed(harness, "request_received", "email", status, march)
    await seed(harness, "session_scheduled", "sms", "sent", march, delivered=True)
    await seed(harness, "session_scheduled", "sms", "unknown", march)
    # 31 March, 23:30 in California (1 April in UTC): March's; 1 April, 00:30 there: not.
    await seed(harness, "request_received", "email", "sent",
               datetime(2026, 4, 1, 6, 30, tzinfo=timezone.utc))
    await seed(harness, "request_received", "email", "sent",
               datetime(2026, 4, 1, 7, 30, tzinfo=timezone.utc))
    director = await browser(app, Role.DIRECTOR)
    page = await director.get("/staff/reports", params=MARCH)
    assert page.status_code == 200 and "<script" not in page.text
    assert page.text.count("<svg") == 2
    body = re.search(r'<table class="report" id="t-notices">.*?<tbody>(.*?)</tbody>', page.text,
                     re.S).group(1)
    shown = [re.findall(r"<td>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body)]
    assert shown == [
        ["request_received", "email", "5", "3", "1", "0", "1", "0", "0", "75"],
        ["session_scheduled", "sms", "2", "1", "0", "1", "0", "0", "1", "50"],
        ["all", "all", "7", "4", "1", "1", "1", "0", "1", "66.7"]]
    sheet = await director.get("/staff/reports.csv", params=MARCH)
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(sheet.text)))
    assert table[0] == ["period_from", "2026-03-01", "period_to", "2026-03-31"]
    assert table[2:] == shown
    await director.aclose()


async def test_only_directors_and_admins_read_the_report(app):
    coordinator = await browser(app, Role.COORDINATOR)
    assert (await coordinator.get("/staff/reports")).status_code == 403
    assert (await coordinator.get("/staff/reports.csv")).status_code == 403
    admin = await browser(app, Role.ADMIN)
    backwards = await admin.get("/staff/reports.csv", params={"from": "2026-03-02",
                                                              "to": "2026-03-01"})
    assert backwards.status_code == 422
    assert (await admin.get("/staff/reports")).status_code == 200
    for client in (coordinator, admin):
        await client.aclose()
