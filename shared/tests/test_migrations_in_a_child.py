"""Migrations at start run in a child process: the store is upgraded, the child's lines look
like the service's own, a failure stops the start, and alembic never enters the service."""
import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from vod_shared.migration_process import MigrateInChild, MigrationFailed, at_head, heads
from vod_shared.migrations import upgrade_to_head
from vod_shared.staff import StaffStore
from vod_shared.staff.store import MIGRATIONS as STAFF_MIGRATIONS

REPO = Path(__file__).resolve().parents[2]

START = textwrap.dedent("""
    import asyncio, sys
    import vod_shared.runtime
    from vod_shared.migration_process import MigrateInChild
    from vod_shared.staff import StaffStore

    async def start(url):
        store = StaffStore(url)
        await store.start(upgrade=MigrateInChild("screening", "json"))
        await store.close()

    asyncio.run(start(sys.argv[1]))
    print(sorted(name for name in ("alembic", "mako") if name in sys.modules))
""")


def test_the_store_is_upgraded_by_a_child_and_alembic_stays_out_of_the_service(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/staff.db"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(entry for entry in sys.path if entry))
    done = subprocess.run([sys.executable, "-c", START, url], env=env, capture_output=True,
                          text=True, timeout=90, check=True)
    assert done.stdout.strip() == "[]"
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    upgrades = [line for line in lines if line["event"].startswith("Running upgrade")]
    assert upgrades and all(line["service"] == "screening" for line in upgrades)
    assert not [line for line in lines if line["event"].startswith("setup plugin")]
    # a restart finds it at its head and needs no child, nor alembic
    again = subprocess.run([sys.executable, "-c", START, url], env=env, capture_output=True,
                           text=True, timeout=90, check=True)
    assert again.stdout.strip() == "[]"
    assert "alembic" not in again.stderr


@pytest.mark.parametrize("migrations", [STAFF_MIGRATIONS, *REPO.glob("services/*/*/migrations")],
                         ids=lambda path: path.parent.name)
def test_the_heads_read_from_the_files_are_alembics_own(migrations):
    assert heads(migrations) == set(ScriptDirectory(str(migrations)).get_heads())


async def test_a_store_behind_its_head_is_upgraded(tmp_path):
    store = StaffStore(f"sqlite+aiosqlite:///{tmp_path}/staff.db")
    try:
        await upgrade_to_head(store.engine, STAFF_MIGRATIONS)
        async with store.engine.begin() as db:
            await db.execute(text("UPDATE staff_alembic_version SET version_num = 'staff_0001'"))
            await db.execute(text("DROP TABLE staff_accounts"))  # what staff_0002 makes
        assert not await at_head(store.engine, STAFF_MIGRATIONS)
        await MigrateInChild("intake")(store.engine, STAFF_MIGRATIONS)
        assert await at_head(store.engine, STAFF_MIGRATIONS)
    finally:
        await store.close()


async def test_an_upgraded_store_has_its_tables_and_version(tmp_path):
    store = StaffStore(f"sqlite+aiosqlite:///{tmp_path}/staff.db")
    try:
        await store.start(upgrade=MigrateInChild("intake"))
        async with store.transaction() as db:
            versions = (await db.execute(text("SELECT version_num FROM staff_alembic_version"))).all()
        assert versions == [("staff_0002",)]
    finally:
        await store.close()


async def test_a_failed_migration_stops_the_start_with_the_reason(tmp_path, capfd):
    migrations = tmp_path / "migrations"
    (migrations / "versions").mkdir(parents=True)
    (migrations / "env.py").write_text(
        "from sqlalchemy import MetaData\nfrom vod_shared.migrations import run_env\n"
        "run_env(MetaData(), service_tables=False)\n")
    (migrations / "versions" / "0001_broken.py").write_text(
        'from alembic import op\nrevision = "0001"\ndown_revision = None\n'
        'def upgrade():\n    op.execute("CREATE TABLEX no_such_syntax (id INTEGER)")\n')
    store = StaffStore(f"sqlite+aiosqlite:///{tmp_path}/broken.db")
    with pytest.raises(MigrationFailed, match="failed .exit code 1"):
        await MigrateInChild("intake")(store.engine, migrations)
    await store.close()
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines()
             if line.startswith("{")]
    failed = [line for line in lines if line["event"] == "migrations.failed"]
    assert failed and failed[0]["service"] == "intake"
    assert "CREATE TABLEX no_such_syntax" in failed[0]["exception"]


async def test_a_stop_signal_reaching_the_child_does_not_cut_its_migration_off(tmp_path):
    """Ctrl-C reaches the terminal's whole process group, systemd's stop the whole control
    group: the child among them. Its migration finishes all the same (the service then stops)."""
    migrations, began = tmp_path / "migrations", tmp_path / "began"
    (migrations / "versions").mkdir(parents=True)
    (migrations / "env.py").write_text(
        "from sqlalchemy import MetaData\nfrom vod_shared.migrations import run_env\n"
        "run_env(MetaData(), service_tables=False)\n")
    (migrations / "versions" / "0001_slow.py").write_text(
        'import os, pathlib, time\nfrom alembic import op\nrevision = "0001"\n'
        'down_revision = None\n'
        'def upgrade():\n'
        '    op.execute("CREATE TABLE first_half (id INTEGER)")\n'
        f'    pathlib.Path({str(began)!r}).write_text(str(os.getpid()))\n'
        '    time.sleep(1.0)\n'
        '    op.execute("CREATE TABLE second_half (id INTEGER)")\n')
    store = StaffStore(f"sqlite+aiosqlite:///{tmp_path}/slow.db")
    try:
        upgrade = asyncio.create_task(MigrateInChild("intake")(store.engine, migrations))
        while not began.exists() or not began.read_text():
            assert not upgrade.done(), upgrade.exception()
            await asyncio.sleep(0.02)
        child = int(began.read_text())
        os.kill(child, signal.SIGINT)
        os.kill(child, signal.SIGTERM)
        await asyncio.wait_for(upgrade, timeout=60)
        assert await at_head(store.engine, migrations)
        async with store.engine.connect() as db:
            assert (await db.execute(text("SELECT count(*) FROM second_half"))).scalar() == 0
    finally:
        await store.close()


async def test_a_cancelled_start_still_kills_its_migration_child(tmp_path):
    migrations, began = tmp_path / "migrations", tmp_path / "began"
    (migrations / "versions").mkdir(parents=True)
    (migrations / "env.py").write_text(
        "from sqlalchemy import MetaData\nfrom vod_shared.migrations import run_env\n"
        "run_env(MetaData(), service_tables=False)\n")
    (migrations / "versions" / "0001_stuck.py").write_text(
        'import os, pathlib, time\nrevision = "0001"\ndown_revision = None\n'
        'def upgrade():\n'
        f'    pathlib.Path({str(began)!r}).write_text(str(os.getpid()))\n'
        '    time.sleep(600)\n')
    store = StaffStore(f"sqlite+aiosqlite:///{tmp_path}/stuck.db")
    try:
        upgrade = asyncio.create_task(MigrateInChild("intake")(store.engine, migrations))
        while not began.exists() or not began.read_text():
            assert not upgrade.done(), upgrade.exception()
            await asyncio.sleep(0.02)
        child = int(began.read_text())
        upgrade.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(upgrade, timeout=10)
        with pytest.raises(ProcessLookupError):  # gone, and reaped
            os.kill(child, 0)
    finally:
        await store.close()
