import asyncio
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from vod_shared.db import create_engine, messaging_metadata


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncEngine:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / f'{uuid.uuid4().hex}.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
    yield engine
    await engine.dispose()


class LoopTurns:
    """For tests of turns on the event loop (vod_shared.turns)."""

    @staticmethod
    def busy(seconds: float) -> None:
        """Work on the loop's thread that waits for nothing (as SQLite's statements do)."""
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            pass

    @staticmethod
    async def of_another_task(work) -> int:
        """How many turns a task that is always ready (the outbox relay, say) got while
        ``work`` ran."""
        turns = 0

        async def other_task():
            nonlocal turns
            while True:
                await asyncio.sleep(0)
                turns += 1

        other = asyncio.ensure_future(other_task())
        await asyncio.sleep(0)
        before = turns
        try:
            await work
        finally:
            other.cancel()
        return turns - before


@pytest.fixture
def loop_turns() -> LoopTurns:
    return LoopTurns()
