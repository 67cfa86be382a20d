"""Notifications' handlers. For now it records what it must later tell someone about."""
from collections.abc import Callable
from datetime import datetime

from vod_shared.envelope import Envelope

from notifications.service_layer.unit_of_work import UnitOfWork


async def observe(envelope: Envelope, uow: UnitOfWork, *, clock: Callable[[], datetime]) -> None:
    await uow.observed.add(envelope, clock())
