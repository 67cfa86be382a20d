"""A service's migrations at start, run in a child process.

Alembic and Mako (some 10 MiB once imported, never given back) are needed only for the moment
the store is upgraded: a child process does it and exits, so they never enter the service's own
process. The child logs as the service does (same service name, format and level, same stderr),
and a failed migration stops the start with :class:`MigrationFailed` after the child's own
traceback. A store already at its head revision (a restart; the three services that find the
shared staff store done) needs no child: the version table is read and compared with the
revisions' files, and anything unexpected in them means the child runs. The child ignores
SIGINT and SIGTERM, so a stop asked for mid-migration waits for it to finish.
``python -m vod_shared.migration_process DIR SERVICE FORMAT LEVEL DRIVER`` runs the same by
hand (without ignoring them); the store's address comes in ``VOD_MIGRATE_URL`` (never on a
command line, where ``ps`` would show a password).
"""
import ast
import asyncio
import logging
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

_URL_VARIABLE = "VOD_MIGRATE_URL"


class MigrationFailed(RuntimeError):
    """The child process that upgrades a store exited with an error."""


@dataclass(frozen=True)
class MigrateInChild:
    """An upgrade for :class:`ServiceRuntime` and ``StaffStore.start``: same call as
    ``vod_shared.migrations.upgrade_to_head``. An in-memory SQLite store (tests) exists only
    in this process, so it is upgraded here."""

    service: str
    log_format: str = "auto"
    log_level: str = "INFO"
    sqlite_driver: str = "inloop"

    async def __call__(self, engine: AsyncEngine, migrations_dir: Path) -> None:
        if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
            from vod_shared.migrations import upgrade_to_head
            await upgrade_to_head(engine, migrations_dir)
            return
        if await at_head(engine, migrations_dir):
            return
        await self.run(engine.url.render_as_string(hide_password=False), migrations_dir)

    async def run(self, url: str, migrations_dir: Path) -> None:
        # The child imports what this process can: its own path, whoever set it.
        path = os.pathsep.join(entry for entry in sys.path if entry)
        env = dict(os.environ, PYTHONPATH=path, **{_URL_VARIABLE: url})
        args = (str(migrations_dir), self.service, self.log_format, self.log_level,
                self.sqlite_driver)
        for _ in range(3):
            code = await _run_child(args, env)
            # Killed by a stop signal before it could ignore them: nothing was migrated yet
            # (the signal is this process's to act on, once the store is upgraded).
            if code not in _STOPPED_BEFORE_IGNORING:
                break
        if code != 0:
            raise MigrationFailed(f"the migrations in {migrations_dir} failed "
                                  f"(exit code {code}; the lines above say why)")


# The child's first statement: Ctrl-C (SIGINT to the terminal's process group) and systemd's
# stop (SIGTERM to the whole control group) reach it too, but a migration is never cut off
# half-way (SQLite's DDL is not transactional); the parent alone decides, and kills it
# (SIGKILL) only when its own start is cancelled.
_CHILD = ("import signal\n"
          "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
          "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
          "import sys\n"
          "from vod_shared.migration_process import main\n"
          "main(sys.argv[1:])\n")
_STOPPED_BEFORE_IGNORING = (-signal.SIGINT, -signal.SIGTERM)


async def _run_child(args: tuple[str, ...], env: dict[str, str]) -> int:
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", _CHILD, *args, env=env)
    try:
        return await child.wait()
    except asyncio.CancelledError:
        child.kill()
        await child.wait()
        raise


def heads(migrations_dir: Path) -> set[str] | None:
    """The revisions nothing revises, read from the files without alembic; None when a file
    says its revisions in a way this does not read."""
    revisions, revised = set(), set()
    for path in (migrations_dir / "versions").glob("*.py"):
        found = {}
        for node in ast.parse(path.read_text()).body:
            if (isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None
                    and isinstance(target := getattr(node, "target", None) or node.targets[0],
                                   ast.Name)
                    and target.id in ("revision", "down_revision", "depends_on")):
                try:
                    found[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    return None
        if not isinstance(found.get("revision"), str) or found.get("depends_on"):
            return None
        down = found.get("down_revision")
        revisions.add(found["revision"])
        revised.update([down] if isinstance(down, str) else down or ())
    return (revisions - revised) or None


async def at_head(engine: AsyncEngine, migrations_dir: Path) -> bool:
    """Whether the store's version table names exactly the head revisions of ``migrations_dir``."""
    from vod_shared.staff.store import MIGRATIONS as STAFF_MIGRATIONS, VERSION_TABLE
    wanted = heads(migrations_dir)
    if wanted is None:
        return False
    table = VERSION_TABLE if migrations_dir == STAFF_MIGRATIONS else "alembic_version"
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text(f"SELECT version_num FROM {table}"))
            return set(rows.scalars()) == wanted
    except DBAPIError:  # no version table yet: a new store
        return False


async def _upgrade(url: str, migrations_dir: Path, sqlite_driver: str) -> None:
    from vod_shared.db import create_engine
    from vod_shared.migrations import upgrade_to_head
    engine = create_engine(url, pooled=False, sqlite_driver=sqlite_driver)
    try:
        await upgrade_to_head(engine, migrations_dir)
    finally:
        await engine.dispose()


def main(argv: list[str]) -> None:
    import structlog

    from vod_shared.logging import configure_logging
    migrations_dir, service, log_format, log_level, sqlite_driver = argv
    configure_logging(service=service, fmt=log_format, level=log_level)
    # alembic's "setup plugin ..." lines at import: the service imported it before its logging
    # was set up, so they were never shown; nor are they here
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    url = os.environ.pop(_URL_VARIABLE)
    try:
        asyncio.run(_upgrade(url, Path(migrations_dir), sqlite_driver))
    except Exception:
        # the reason, in the service's own log format (a JSON line, not a bare traceback)
        structlog.get_logger("vod.migrations").exception("migrations.failed",
                                                         folder=migrations_dir)
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
