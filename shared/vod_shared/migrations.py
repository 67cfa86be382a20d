"""Alembic, run at start-up from each service's ``migrations/`` folder.

Each service's ``env.py`` calls :func:`run_env`; its first revision calls
:func:`create_messaging_tables` so the outbox and inbox exist in every store.
Alembic is imported only when a migration runs: a service runs them in a child process
(``vod_shared.migration_process``), so importing this module must not bring it in.
"""
import asyncio
from pathlib import Path

from typing import TYPE_CHECKING

from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from vod_shared.db import messaging_metadata

if TYPE_CHECKING:
    from alembic.config import Config


_MIGRATION_LOCK = 0x564F4401


def alembic_config(migrations_dir: Path, url: str) -> "Config":
    from alembic.config import Config
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", url)
    return config


async def upgrade_to_head(engine: AsyncEngine, migrations_dir: Path) -> None:
    config = alembic_config(migrations_dir, engine.url.render_as_string(hide_password=False))

    def upgrade(sync_connection) -> None:
        from alembic import command
        config.attributes["connection"] = sync_connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Replicas starting together: one migrates, the others wait, then find it done.
            await connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK})
        await connection.run_sync(upgrade)


def run_env(target_metadata: MetaData, *, service_tables: bool = True,
            version_table: str = "alembic_version") -> None:
    """The body of every service's ``env.py``. The staff store's passes ``service_tables=False``
    (no outbox, inbox or keys there) and a version table of its own."""
    from alembic import context
    metadata = [target_metadata]
    if service_tables:
        from vod_shared.keybook import key_metadata
        metadata += [messaging_metadata, key_metadata]
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection, metadata, version_table)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True,
                          version_table=version_table)
        with context.begin_transaction():
            context.run_migrations()
        return

    async def online() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(_migrate, metadata, version_table)
        await engine.dispose()

    asyncio.run(online())


def _migrate(connection, metadata, version_table: str = "alembic_version") -> None:
    from alembic import context
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                      version_table=version_table)
    with context.begin_transaction():
        context.run_migrations()


def create_messaging_tables() -> None:
    from alembic import op
    bind = op.get_bind()
    messaging_metadata.create_all(bind)


def drop_messaging_tables() -> None:
    from alembic import op
    messaging_metadata.drop_all(op.get_bind())
