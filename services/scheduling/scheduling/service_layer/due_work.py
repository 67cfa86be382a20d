"""The loop that does what has come due: surveys to send, travel not yet arranged. Due times
are rows in the store (``cases.next_due_at``), so a restart loses nothing."""
import asyncio
from collections.abc import Callable

import structlog

from vod_shared.stopping import stop_if_cancelled

from scheduling.service_layer.context import Context
from scheduling.service_layer.unit_of_work import UnitOfWork

log = structlog.get_logger("scheduling.due_work")


class DueWork:
    def __init__(self, uow: Callable[[], UnitOfWork], ctx: Context, *,
                 poll_interval_s: float = 30.0) -> None:
        self._uow, self._ctx, self._poll_interval_s = uow, ctx, poll_interval_s

    async def run_once(self) -> int:
        """Does everything due now; returns how many cases had something due."""
        now = self._ctx.clock()
        async with self._uow() as uow:
            case_ids = await uow.cases.with_due_work(now)
        for case_id in case_ids:
            async with self._uow() as uow:
                case = await uow.cases.get(case_id, for_update=True)
                if case is None:
                    continue
                case.do_due_work(now=now)
                await uow.save_case(case, topic=self._ctx.topic)
                await uow.commit()
            log.info("due_work.done", case_id=case_id)
        return len(case_ids)

    async def run(self) -> None:
        while True:
            stop_if_cancelled()
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the store may be briefly away; the rows wait for us
                stop_if_cancelled(exc)
                log.error("due_work.failed", error=type(exc).__name__)
            await asyncio.sleep(self._poll_interval_s)
