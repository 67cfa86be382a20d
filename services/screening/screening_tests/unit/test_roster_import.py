"""Loading a roster: each good line becomes a registry change and a CustodyStatusChanged,
bad lines are set aside with their reasons, and loading the same roster again changes nothing."""
import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from vod_shared.db import outbox

from screening.entrypoints.roster import RosterResult, UnreadableRoster
from screening.roster import ProgressBar, load, summary

from ..conftest import new_cdcr_number, sqlite_settings

HEADER = "cdcr_number,status,facility_code,effective_at\n"


def write_roster(tmp_path: Path, *lines: str, name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def rejected_lines(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


async def custody_events(settings) -> list[dict]:
    engine = create_async_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(outbox).order_by(outbox.c.seq))).all()
    finally:
        await engine.dispose()
    return [json.loads(row.value) for row in rows if row.topic == settings.topics.custody]


async def test_good_lines_are_recorded_and_announced_and_bad_ones_set_aside(tmp_path):
    settings = sqlite_settings(tmp_path)
    in_prison, paroled, jailed = new_cdcr_number(), new_cdcr_number(), new_cdcr_number()
    roster = write_roster(
        tmp_path,
        f"{in_prison.lower()},in_prison,sq,2026-01-05T08:00:00-08:00",
        f"{paroled},on_parole,,2025-07-01T00:00:00Z",
        "123,in_prison,SQ,2026-01-05T08:00:00-08:00",
        f"{jailed},county_jail,,2026-01-05",
        f"{new_cdcr_number()},on_parole,SQ,2026-01-05T08:00:00Z",
        f"{new_cdcr_number()},on_vacation,,2026-01-05T08:00:00Z",
    )
    result = await load(roster, settings, progress=lambda done, total: None)
    assert (result.read, result.accepted, result.unchanged, result.rejected) == (6, 2, 0, 4)

    events = await custody_events(settings)
    assert [(e["subject"], e["data"]["status"], e["data"]["facility_code"]) for e in events] == [
        (in_prison, "in_prison", "SQ"), (paroled, "on_parole", None)]
    assert all(e["data"]["initial_load"] for e in events)
    assert [e["data"]["change"] for e in events] == ["admission", "release"]

    rejected = rejected_lines(tmp_path / "roster.rejected.csv")
    assert [r["line"] for r in rejected] == ["4", "5", "6", "7"]
    assert rejected[0]["reasons"].startswith("cdcr_number:")
    assert rejected[1]["reasons"].startswith("effective_at:")
    assert rejected[2]["reasons"].startswith("facility_code:")
    assert rejected[3]["reasons"].startswith("status:")
    assert rejected[1]["cdcr_number"] == jailed


async def test_loading_the_same_roster_again_changes_nothing(tmp_path):
    settings = sqlite_settings(tmp_path)
    cdcr = new_cdcr_number()
    roster = write_roster(tmp_path, f"{cdcr},in_prison,SQ,2026-01-05T08:00:00-08:00")
    await load(roster, settings, progress=lambda done, total: None)
    again = await load(roster, settings, progress=lambda done, total: None)
    assert (again.accepted, again.unchanged, again.rejected) == (0, 1, 0)
    assert len(await custody_events(settings)) == 1


async def test_a_later_roster_records_what_changed_since(tmp_path):
    settings = sqlite_settings(tmp_path)
    moved, stayed = new_cdcr_number(), new_cdcr_number()
    first = write_roster(tmp_path, f"{moved},in_prison,SQ,2026-01-05T08:00:00Z",
                         f"{stayed},in_prison,SQ,2026-01-05T08:00:00Z", name="january.csv")
    later = write_roster(tmp_path, f"{moved},in_prison,CMF,2026-02-05T08:00:00Z",
                         f"{stayed},in_prison,SQ,2026-02-05T08:00:00Z", name="february.csv")
    await load(first, settings, progress=lambda done, total: None)
    result = await load(later, settings, progress=lambda done, total: None)
    assert (result.accepted, result.unchanged) == (1, 1)
    transfer = (await custody_events(settings))[-1]["data"]
    assert (transfer["change"], transfer["previous_facility_code"], transfer["initial_load"]) == (
        "transfer", "SQ", False)


async def test_a_roster_without_the_expected_columns_is_refused_whole(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("cdcr_number,status,prison\nAB1234,in_prison,SQ\n", encoding="utf-8")
    refused = "missing: facility_code, effective_at; unknown: prison"
    with pytest.raises(UnreadableRoster, match=refused):
        await load(path, sqlite_settings(tmp_path), progress=lambda done, total: None)
    assert not (tmp_path / "roster.rejected.csv").exists()


def test_the_command_prints_the_counts_and_writes_the_rejected_lines(tmp_path):
    roster = write_roster(tmp_path, f"{new_cdcr_number()},in_prison,SQ,2026-01-05T08:00:00Z",
                          "nonsense,in_prison,SQ,2026-01-05T08:00:00Z")
    env = os.environ | {"SCREENING_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/s.db",
                        "VOD_DATA_DIR": str(tmp_path), "VOD_TOPIC_PREFIX": ""}
    done = subprocess.run([sys.executable, "-m", "screening.roster", "import", str(roster)],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "accepted: 1" in done.stdout and "rejected: 1" in done.stdout
    assert str(tmp_path / "roster.rejected.csv") in done.stdout
    assert len(rejected_lines(tmp_path / "roster.rejected.csv")) == 1


def test_the_summary_names_the_counts(tmp_path):
    text = summary(Path("r.csv"), RosterResult(Path("r.rejected.csv"), 5, 3, 1, 1), "vod.custody")
    assert "5 lines read" in text and "accepted: 3" in text and "rejected: 1" in text


def test_the_progress_bar_fills_up():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    bar = ProgressBar(screen, width=10)
    for done in range(1, 5):
        bar(done, 4)
    assert screen.getvalue().endswith("[##########] 100%  4/4 lines\n")
