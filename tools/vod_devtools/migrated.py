"""A new, migrated store for a test, quickly.

Running a service's alembic revisions takes a few hundred milliseconds, and the service tests
do it for a new SQLite file in nearly every test. Here they run once per test session and
migrations folder, into a template file, and each new SQLite store is a copy of it: the same
tables, indexes, version row and journal mode, in a millisecond. A store that is not a new
SQLite file (PostgreSQL, in memory, a file already there) is upgraded as before. The
migrations themselves are still run and checked by their own tests.
"""
import atexit
import shutil
import tempfile
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from vod_shared.db import create_engine
from vod_shared.migrations import upgrade_to_head

_templates: dict[Path, Path] = {}
_folder: Path | None = None


async def migrated(engine: AsyncEngine, migrations_dir: Path) -> None:
    """As ``upgrade_to_head(engine, migrations_dir)``, by copying a migrated template when the
    store is a SQLite file not made yet."""
    path = _new_sqlite_file(engine)
    if path is None:
        await upgrade_to_head(engine, migrations_dir)
        return
    shutil.copyfile(await _template(Path(migrations_dir).resolve()), path)


def _new_sqlite_file(engine: AsyncEngine) -> Path | None:
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.query or not url.database:
        return None
    if url.database == ":memory:" or url.database.startswith("file:"):
        return None
    path = Path(url.database)
    return None if path.exists() else path


async def _template(migrations_dir: Path) -> Path:
    global _folder
    if migrations_dir not in _templates:
        if _folder is None:
            _folder = Path(tempfile.mkdtemp(prefix="vod-migrated-"))
            atexit.register(shutil.rmtree, _folder, ignore_errors=True)
        path = _folder / f"{len(_templates)}.db"
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        try:
            await upgrade_to_head(engine, migrations_dir)
        finally:
            await engine.dispose()  # the last connection closed: the WAL is in the file
        _templates[migrations_dir] = path
    return _templates[migrations_dir]
