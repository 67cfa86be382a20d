"""The audit log is append-only in the store itself, on SQLite and on PostgreSQL."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.db import create_engine
from vod_shared.migrations import upgrade_to_head

from screening.adapters.audit import AuditLog
from screening.bootstrap import MIGRATIONS
from screening.domain.audit import AuditEntry, Outcome

pytestmark = pytest.mark.integration


async def test_entries_are_added_and_read_but_never_changed(database_url_factory):
    engine = create_engine(database_url_factory("screening"))
    try:
        await upgrade_to_head(engine, MIGRATIONS)
        async with engine.begin() as conn:
            async with AsyncSession(bind=conn) as session:
                await AuditLog(session).append(AuditEntry(
                    datetime.now(timezone.utc), "rosa", "case.read", Outcome.DONE, "10.0.0.7",
                    "case-1", "GET", "/api/cases/case-1"))
                total, [entry] = await AuditLog(session).entries(case_id="case-1")
                assert (total, entry.username, entry.address) == (1, "rosa", "10.0.0.7")
        for statement in ("UPDATE audit_log SET username = 'nobody'", "DELETE FROM audit_log"):
            async with engine.connect() as conn:
                with pytest.raises(DBAPIError, match="append-only"):
                    await conn.execute(text(statement))
    finally:
        await engine.dispose()
