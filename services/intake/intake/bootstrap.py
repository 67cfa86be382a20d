"""The composition root: settings, store, broker, handlers, HTTP app."""
from datetime import datetime, timezone
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError

from vod_shared.events import RequestReceived
from vod_shared.logging import configure_logging
from vod_shared.runtime import ServiceRuntime

from intake.config import Settings
from intake.domain.commands import RequestDialogue
from intake.entrypoints.webhooks import webhook_router
from intake.service_layer import handlers
from intake.service_layer.unit_of_work import UnitOfWork

MIGRATIONS = Path(__file__).parent / "migrations"


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def bootstrap(settings: Settings | None = None, clock=utc_now) -> tuple[ServiceRuntime, FastAPI]:
    settings = settings or Settings()
    runtime = ServiceRuntime(settings, migrations_dir=MIGRATIONS, uow_class=UnitOfWork)
    runtime.publishes(settings.topics.intake, RequestReceived)

    async def request_dialogue(command: RequestDialogue) -> handlers.Accepted:
        for attempt in (1, 2):
            try:
                async with runtime.uow() as uow:
                    return await handlers.request_dialogue(
                        command, uow, topics=settings.topics, clock=clock)
            except IntegrityError:
                # The same webhook-id arriving twice at once: the loser reads the winner's answer.
                if attempt == 2 or not command.webhook_id:
                    raise
        raise AssertionError("unreachable")

    app = runtime.create_app(title="Dialogue — intake", routers=[
        webhook_router(secrets=settings.webhook_secret_list(),
                       max_body_bytes=settings.webhook_max_body_bytes,
                       request_dialogue=request_dialogue),
    ])
    app.state.runtime = runtime
    return runtime, app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(service=settings.service_name, fmt=settings.log_format, level=settings.log_level)
    return bootstrap(settings)[1]
