"""``/staff/dead-letters``: the dead letters, for admins, read only. The same list as ``python -m
vod_shared.deadletters list``: where each one is, when and by which consumer it was parked, where
it came from, its event's type and id, and the reason; never its data (sealed or not). Putting
one back in stays the command's, which logs who and why."""
import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated

import structlog
from aiokafka.errors import KafkaError
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from vod_shared.deadletters import Listed, Refused
from vod_shared.staff import Role, StaffMember

from screening.entrypoints.access import guard
from screening.entrypoints.rendering import render
from screening.service_layer.desk import ScreeningDesk

ADMINS = (Role.ADMIN,)
LIST_TIMEOUT_S = 20.0
ListDeadLetters = Callable[[], Awaitable[list[Listed]]]
log = structlog.get_logger("screening.dead_letters")


def dead_letters_router(desk: ScreeningDesk) -> APIRouter:
    """The page reads through ``app.state.list_dead_letters`` (the broker, in the bootstrap)."""
    router = APIRouter(prefix="/staff", tags=["screening staff pages"],
                       default_response_class=HTMLResponse)
    admin = Annotated[StaffMember, Depends(guard(desk, *ADMINS, action="dead_letters.read"))]

    @router.get("/dead-letters", summary="The dead letters (HTML, admins): never their data")
    async def dead_letters(request: Request, staff: admin):
        list_dead_letters: ListDeadLetters = request.app.state.list_dead_letters
        try:
            letters = await asyncio.wait_for(list_dead_letters(), LIST_TIMEOUT_S)
        except (KafkaError, OSError, TimeoutError, Refused) as exc:
            log.warning("dead_letters.unlisted", error=type(exc).__name__)
            return render(request, "dead_letters.html", staff=staff, letters=[],
                          unreachable=True, status_code=503)
        return render(request, "dead_letters.html", staff=staff, letters=letters,
                      unreachable=False)

    return router
