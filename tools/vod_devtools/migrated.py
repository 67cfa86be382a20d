"""A new, migrated store for a test, quickly.

Running a service's alembic revisions takes a few hundred milliseconds, and the service tests
do it for a new SQLite file in nearly every test. Here they run once per test session and
migrations folder, into a template file, and each new SQLite store is a copy of it: the same
tables, indexes, version row and journal mode, in a millisecond. A store that is not a new
SQLite file (PostgreSQL, in memory, a file already there) is upgraded as before. The
migrations themselves are still run and checked by their own tests.

``copy_migrated`` does the same for a store a service *process* will open (the e2e and fault
harnesses): the file is there before the process starts, already at head, so the service
starts no migration child for it. ``copy_migrated_postgres`` is the same for a new (empty)
PostgreSQL database: it is made again as a copy of a template database migrated once per run
and server (``CREATE DATABASE ... TEMPLATE``).
"""
import asyncio
import atexit
import hashlib
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from vod_shared.db import create_engine
from vod_shared.migrations import upgrade_to_head

_templates: dict[Path, Path] = {}
_folder: Path | None = None


async def migrated(engine: AsyncEngine, migrations_dir: Path) -> None:
    """As ``upgrade_to_head(engine, migrations_dir)``, by copying a migrated template when the
    store is a SQLite file not made yet."""
    path = new_sqlite_file(engine.url)
    if path is None:
        await upgrade_to_head(engine, migrations_dir)
        return
    shutil.copyfile(await _template(Path(migrations_dir).resolve()), path)


def copy_migrated(path: Path, migrations_dir: Path) -> bool:
    """Makes ``path``, a SQLite file not there yet, a copy of the template of ``migrations_dir``;
    False (and nothing done) when the file is already there. Callable inside an event loop."""
    path = Path(path)
    if path.exists():
        return False
    migrations_dir = Path(migrations_dir).resolve()
    template = _templates.get(migrations_dir)
    if template is None:  # made once, on a loop of its own (the caller's may be running)
        with ThreadPoolExecutor(1) as pool:
            template = pool.submit(asyncio.run, _template(migrations_dir)).result()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.copying")
    shutil.copyfile(template, partial)
    os.replace(partial, path)  # never a half-copied store under the real name
    return True


def new_sqlite_file(url: str | URL) -> Path | None:
    """The file of a SQLite store at ``url`` that is not made yet; None for any other store
    (PostgreSQL, in memory, a file already there)."""
    url = make_url(url)
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


_pg_templates: dict[tuple[str, Path], str] = {}


def copy_migrated_postgres(url: str | URL, migrations_dir: Path) -> bool:
    """Makes the PostgreSQL database at ``url``, if it has no table yet, a copy of the template
    of ``migrations_dir``; False (and nothing done) when it has one or is not PostgreSQL.
    Nobody may be connected to it. Callable inside an event loop."""
    url = make_url(url)
    if url.get_backend_name() != "postgresql":
        return False
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _copy_postgres(url, Path(migrations_dir).resolve())).result()


async def _copy_postgres(url: URL, migrations_dir: Path) -> bool:
    import asyncpg

    target = await asyncpg.connect(**_connect_args(url))
    try:
        tables = await target.fetchval(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
    finally:
        await target.close()
    if tables:
        return False
    template = await _postgres_template(url, migrations_dir)
    server = await asyncpg.connect(**_connect_args(url.set(database="postgres")))
    try:
        await server.execute(f'DROP DATABASE "{url.database}"')
        await server.execute(f'CREATE DATABASE "{url.database}" TEMPLATE "{template}"')
    finally:
        await server.close()
    return True


async def _postgres_template(url: URL, migrations_dir: Path) -> str:
    import asyncpg

    server_key = f"{url.host}:{url.port}"
    if (server_key, migrations_dir) not in _pg_templates:
        digest = hashlib.sha256(str(migrations_dir).encode()).hexdigest()[:12]
        name = f"vod_template_{digest}_{os.getpid()}"
        server = await asyncpg.connect(**_connect_args(url.set(database="postgres")))
        try:
            await server.execute(f'CREATE DATABASE "{name}"')
        finally:
            await server.close()
        engine = create_engine(url.set(database=name).render_as_string(hide_password=False))
        try:
            await upgrade_to_head(engine, migrations_dir)
        finally:
            await engine.dispose()  # a template may have nobody connected while it is copied
        _pg_templates[(server_key, migrations_dir)] = name
    return _pg_templates[(server_key, migrations_dir)]


def _connect_args(url: URL) -> dict:
    return {"host": url.host, "port": url.port, "user": url.username,
            "password": url.password, "database": url.database}
