"""Units of work take turns on the service's one event loop: on SQLite a unit of work runs to
its commit in one step, so 32 webhooks in flight ran 32 whole transactions in one turn of the
loop, and the outbox relay (the first escape text of a burst behind it) waited for all of
them. Now whatever else is ready runs between them."""
import asyncio

from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select

from vod_shared.db import session_factory
from vod_shared.unit_of_work import SqlUnitOfWork

state = MetaData()

done = Table("done", state, Column("n", Integer, primary_key=True))


async def test_another_task_runs_between_transactions_started_together(engine, loop_turns):
    async with engine.begin() as conn:
        await conn.run_sync(state.create_all)
    sessions = session_factory(engine)

    async def webhook(n: int) -> None:
        async with SqlUnitOfWork(sessions, source="/services/test") as uow:
            loop_turns.busy(0.015)  # its statements and checks, on the loop's thread
            await uow.session.execute(insert(done).values(n=n))
            await uow.commit()

    between = await loop_turns.of_another_task(asyncio.gather(*(webhook(n) for n in range(32))))

    assert between >= 31
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(done)) == 32
