"""The composition root: settings, store, broker, handlers, HTTP app."""
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

from fastapi import FastAPI

from vod_shared.events import EligibilityDetermined, RequestReceived
from vod_shared.logging import configure_logging
from vod_shared.runtime import ServiceRuntime

from screening.config import Settings
from screening.service_layer import handlers
from screening.service_layer.unit_of_work import UnitOfWork

MIGRATIONS = Path(__file__).parent / "migrations"


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def bootstrap(settings: Settings | None = None, clock=utc_now) -> tuple[ServiceRuntime, FastAPI]:
    settings = settings or Settings()
    runtime = ServiceRuntime(settings, migrations_dir=MIGRATIONS, uow_class=UnitOfWork)
    runtime.publishes(settings.topics.screening, EligibilityDetermined)
    runtime.consume(settings.topics.intake, handlers={
        RequestReceived: partial(handlers.decide_eligibility, topics=settings.topics, clock=clock),
    })
    app = runtime.create_app(title="Dialogue — screening")
    app.state.runtime = runtime
    return runtime, app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(service=settings.service_name, fmt=settings.log_format, level=settings.log_level)
    return bootstrap(settings)[1]
