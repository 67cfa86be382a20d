"""The public door's limits, counted in intake's own database so they hold across restarts and
replicas: fixed windows, one row per key and window. Keys are codes and keyed hashes (see
``Vault.key_for``), never an address, email or phone in plain text."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from intake.adapters.orm import rate_hits

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Limits:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def wait(self, key: str, *, allowed: int, window: timedelta,
                   now: datetime) -> int | None:
        """Seconds until this window ends (for ``Retry-After``) if ``key`` was used ``allowed``
        times in it already; else None."""
        start = _window_start(now, window)
        used = await self._session.scalar(select(rate_hits.c.hits).where(
            rate_hits.c.key == key, rate_hits.c.window_start == start)) or 0
        if used < allowed:
            return None
        return max(1, int((start + window - now).total_seconds()) + 1)

    async def add(self, key: str, *, window: timedelta, now: datetime) -> None:
        """Counts one use of ``key`` in this window, atomically on SQLite and PostgreSQL."""
        start = _window_start(now, window)
        dialect = sqlite if self._session.bind.dialect.name == "sqlite" else postgresql
        statement = dialect.insert(rate_hits).values(key=key, window_start=start, hits=1)
        await self._session.execute(statement.on_conflict_do_update(
            index_elements=[rate_hits.c.key, rate_hits.c.window_start],
            set_={"hits": rate_hits.c.hits + 1}))

    async def forget_before(self, when: datetime) -> None:
        await self._session.execute(delete(rate_hits).where(rate_hits.c.window_start < when))


def _window_start(now: datetime, window: timedelta) -> datetime:
    return EPOCH + (now - EPOCH) // window * window
