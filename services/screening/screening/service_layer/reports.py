"""The case figures for a period, read from screening's own timeline (it hears every case event)."""
from collections.abc import Callable

from vod_shared import events as e

from screening.domain.reports import KINDS, CaseFigures, Line, Period, case_figures
from screening.service_layer.unit_of_work import UnitOfWork

# The timeline's event types (``vod.<Name>.v<N>``) the reports read, by the name they count.
EVENT_TYPES = {getattr(e, kind).type_name(): kind for kind in KINDS}


async def figures_for(uow: Callable[[], UnitOfWork], period: Period) -> CaseFigures:
    """The period's figures; lines from before it count only for each case's first request."""
    async with uow() as work:
        entries = await work.timeline.for_reports(list(EVENT_TYPES), before=period.end)
    return case_figures([Line(entry.case_id, EVENT_TYPES[entry.event_type], entry.occurred_at,
                              entry.code) for entry in entries], period)
