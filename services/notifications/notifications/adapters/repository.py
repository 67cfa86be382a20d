from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from vod_shared.envelope import Envelope

from notifications.adapters.orm import observed_events


class ObservedEvents:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, envelope: Envelope, now: datetime) -> None:
        await self._session.execute(insert(observed_events).values(
            event_id=envelope.id, event_type=envelope.type, subject=envelope.subject,
            occurred_at=envelope.time, observed_at=now))

    async def for_subject(self, subject: str) -> list[str]:
        rows = await self._session.execute(
            select(observed_events.c.event_type).where(observed_events.c.subject == subject)
            .order_by(observed_events.c.occurred_at))
        return list(rows.scalars())
