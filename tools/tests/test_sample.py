"""`make sample`: the sample roster loads cleanly (every line accepted, again nothing changes),
and the sample facilitators are added once, with their weekly hours, through scheduling's API."""
import json
import os

import httpx

from vod_devtools import sample
from vod_shared.migrations import upgrade_to_head
from vod_shared.sealing import KeyDirectory


def test_the_sample_roster_loads_every_line_and_a_second_load_changes_nothing(tmp_path, capfd):
    data = tmp_path / "var"
    assert sample.load_roster(data, environ=os.environ) == 0
    first = capfd.readouterr().out
    assert "11 lines read" in first and "accepted: 11" in first and "rejected: 0" in first
    assert sample.load_roster(data, environ=os.environ) == 0
    assert "unchanged: 11" in capfd.readouterr().out


async def test_the_sample_facilitators_are_added_once_with_their_hours(tmp_path):
    from scheduling.bootstrap import MIGRATIONS, bootstrap
    from scheduling.config import Settings

    KeyDirectory(tmp_path / "keys").init()
    staff_file = tmp_path / "staff.toml"
    runtime, app = bootstrap(Settings(
        SCHEDULING_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/scheduling.db",
        KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1", VOD_DATA_DIR=str(tmp_path),
        VOD_KEYS_DIR=str(tmp_path / "keys"), VOD_STAFF_FILE=str(staff_file),
        STAFF_SESSION_SECRET="sample-tests-staff-session-secret-0123456789"))
    await upgrade_to_head(runtime.engine, MIGRATIONS)
    said = []
    try:  # the service in process; its broker is absent, as before `make run` has one
        runs = []
        for _ in range(2):  # `make sample`, then again: each a new process, a new sign-in
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                         base_url="http://scheduling") as client:
                runs.append(await sample.add_facilitators(client, staff_file, say=said.append))
                listed = (await client.get("/api/facilitators")).json()
        added, again = runs
    finally:
        await runtime.engine.dispose()
    wanted = json.loads(sample.FACILITATORS.read_text())
    assert added == [person["display_name"] for person in wanted] and again == []
    assert sorted(p["display_name"] for p in listed) == sorted(added)
    marisol = next(p for p in listed if p["display_name"].startswith("Marisol"))
    assert set(marisol["languages"]) == {"en", "es"}
    assert said == []

