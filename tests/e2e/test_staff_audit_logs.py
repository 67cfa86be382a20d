"""The audit logs intake, scheduling and notifications keep of staff decisions and reads of a
victim's details are append-only in the store itself, on SQLite and on PostgreSQL: a row is
added, never changed or deleted, whatever code asks."""
import importlib
from datetime import datetime, timezone

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from vod_shared.migrations import upgrade_to_head

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("service", ["intake", "scheduling", "notifications"])
async def test_the_audit_log_is_append_only_in_the_store(service, database_url_factory):
    orm = importlib.import_module(f"{service}.adapters.orm")
    bootstrap = importlib.import_module(f"{service}.bootstrap")
    engine = create_async_engine(database_url_factory(service))
    try:
        await upgrade_to_head(engine, bootstrap.MIGRATIONS)
        async with engine.begin() as conn:
            await conn.execute(insert(orm.audit_log).values(
                at=datetime.now(timezone.utc), username="rosa", action="contact.read",
                outcome="done", address="127.0.0.1", method="GET", path="/staff/x"))
        for change in (update(orm.audit_log).values(username="someone-else"),
                       delete(orm.audit_log)):
            with pytest.raises(DBAPIError, match="append-only"):
                async with engine.begin() as conn:
                    await conn.execute(change)
        async with engine.connect() as conn:
            rows = (await conn.execute(select(orm.audit_log.c.username))).all()
        assert [row.username for row in rows] == ["rosa"]
    finally:
        await engine.dispose()
