"""The public door's limits, counted in intake's own database so they hold across restarts and
replicas: fixed windows, one row per key and window. Keys are codes and keyed hashes (see
``Vault.key_for``), never an address, email or phone in plain text."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from intake.adapters.orm import rate_hits

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Limits:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def hit(self, key: str, *, allowed: int, window: timedelta,
                  now: datetime) -> int | None:
        """Counts one more use of ``key``; over ``allowed`` in this window, the seconds until
        the window ends (for ``Retry-After``), else None."""
        start = EPOCH + (now - EPOCH) // window * window
        dialect = sqlite if self._session.bind.dialect.name == "sqlite" else postgresql
        statement = dialect.insert(rate_hits).values(key=key, window_start=start, hits=1)
        statement = statement.on_conflict_do_update(
            index_elements=[rate_hits.c.key, rate_hits.c.window_start],
            set_={"hits": rate_hits.c.hits + 1}).returning(rate_hits.c.hits)
        hits = (await self._session.execute(statement)).scalar_one()
        if hits <= allowed:
            return None
        return max(1, int((start + window - now).total_seconds()) + 1)

    async def forget_before(self, when: datetime) -> None:
        await self._session.execute(delete(rate_hits).where(rate_hits.c.window_start < when))
