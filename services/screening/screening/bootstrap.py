"""The composition root: settings, store, broker, handlers, HTTP app."""
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError

from vod_shared.events import (
    CaseClosed,
    CaseWithdrawn,
    CustodyStatusChanged,
    EligibilityDetermined,
    RequestReceived,
)
from vod_shared.logging import configure_logging
from vod_shared.openapi import publish_models
from vod_shared.runtime import ServiceRuntime
from vod_shared.topics import Topics

from screening.config import Settings
from screening.domain.commands import RecordCustodyChange
from screening.entrypoints.schemas import CustodyChangeIn
from screening.entrypoints.webhooks import custody_webhook_router
from screening.service_layer import handlers
from screening.service_layer.unit_of_work import UnitOfWork

MIGRATIONS = Path(__file__).parent / "migrations"
RecordChange = Callable[[RecordCustodyChange], Awaitable[handlers.Recorded]]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def custody_recorder(runtime: ServiceRuntime, topics: Topics, clock=utc_now) -> RecordChange:
    """The custody feed's and the roster's one way into the registry."""

    async def record_change(command: RecordCustodyChange) -> handlers.Recorded:
        for attempt in (1, 2):
            try:
                async with runtime.uow() as uow:
                    return await handlers.record_custody_change(
                        command, uow, topics=topics, clock=clock)
            except IntegrityError:
                # The same webhook-id (or a first record of one offender) arriving twice at
                # once: the loser tries again and reads the winner's answer.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    return record_change


def bootstrap(settings: Settings | None = None, clock=utc_now) -> tuple[ServiceRuntime, FastAPI]:
    settings = settings or Settings()
    topics = settings.topics
    runtime = ServiceRuntime(settings, migrations_dir=MIGRATIONS, uow_class=UnitOfWork)
    runtime.publishes(topics.screening, EligibilityDetermined)
    runtime.publishes(topics.custody, CustodyStatusChanged)
    end_case = partial(handlers.end_case, clock=clock)
    runtime.consume(topics.intake, topics.scheduling, handlers={
        RequestReceived: partial(handlers.decide_eligibility, topics=topics, clock=clock),
        CaseWithdrawn: end_case,
        CaseClosed: end_case,
    })
    app = runtime.create_app(title="Dialogue — screening", routers=[
        custody_webhook_router(secrets=settings.custody_webhook_secret_list(),
                               max_body_bytes=settings.custody_webhook_max_body_bytes,
                               record_change=custody_recorder(runtime, topics, clock)),
    ])
    publish_models(app, CustodyChangeIn)
    app.state.runtime = runtime
    return runtime, app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(service=settings.service_name, fmt=settings.log_format, level=settings.log_level)
    return bootstrap(settings)[1]
