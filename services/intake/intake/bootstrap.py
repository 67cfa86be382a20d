"""The composition root: settings, store, broker, keys, handlers, HTTP app."""
from datetime import datetime, timedelta, timezone
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import IntegrityError

from vod_shared.events import (
    CaseClosed,
    CasePaused,
    CaseResumed,
    CaseWithdrawn,
    EligibilityDetermined,
    PersonRegistered,
    RegistrationReceived,
    RequestReceived,
    RequestRepeated,
)
from vod_shared.logging import configure_logging
from vod_shared.openapi import publish_models
from vod_shared.problems import Problem, problem_response
from vod_shared.runtime import ServiceRuntime
from vod_shared.sealing import SERVICES, KeyDirectory
from vod_shared.victim_links import VictimLinks
from vod_shared.webhooks import check_secrets

from intake.adapters.vault import Vault
from intake.config import Settings
from intake.domain.commands import ChangeCase, RegisterForCustodyNotices, RequestDialogue
from intake.domain.errors import CaseNotFound, CaseStepRefused, ChangedMeanwhile, InvalidRequest
from intake.entrypoints.pages import STATIC_DIR
from intake.entrypoints.request_page import request_page_router
from intake.entrypoints.schemas import IntakeWebhookIn
from intake.entrypoints.staff_api import staff_router
from intake.entrypoints.victim_pages import victim_router
from intake.entrypoints.webhooks import webhook_router
from intake.service_layer import handlers
from intake.service_layer.unit_of_work import UnitOfWork

MIGRATIONS = Path(__file__).parent / "migrations"
COMMAND_HANDLERS = {
    RequestDialogue: handlers.request_dialogue,
    RegisterForCustodyNotices: handlers.register_for_custody_notices,
    ChangeCase: handlers.change_case,
}


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Intake:
    """Runs one command in its own unit of work."""

    def __init__(self, runtime: ServiceRuntime, context: handlers.Context) -> None:
        self.runtime = runtime
        self.context = context

    async def handle(self, command):
        handler = COMMAND_HANDLERS[type(command)]
        for attempt in (1, 2):
            try:
                async with self.runtime.uow() as uow:
                    return await handler(command, uow, self.context)
            except (IntegrityError, ChangedMeanwhile):
                # The same webhook-id twice at once, or two changes to one case at once: the
                # loser reads again and gets the winner's answer, or is refused as it should be.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def bootstrap(settings: Settings | None = None, clock=utc_now) -> tuple[ServiceRuntime, FastAPI]:
    settings = settings or Settings()
    topics = settings.topics
    runtime = ServiceRuntime(settings, migrations_dir=MIGRATIONS, uow_class=UnitOfWork)
    runtime.publishes(topics.intake, RequestReceived, RequestRepeated, RegistrationReceived,
                      CasePaused, CaseResumed, CaseWithdrawn)
    runtime.publishes(topics.people, PersonRegistered)
    runtime.consume(topics.screening, topics.scheduling, handlers={
        EligibilityDetermined: handlers.follow_case_elsewhere,
        CaseClosed: handlers.follow_case_elsewhere,
        CasePaused: handlers.follow_case_elsewhere,
        CaseResumed: handlers.follow_case_elsewhere,
    })
    vault = Vault(KeyDirectory(settings.effective_keys_dir()), readers=SERVICES)
    intake = Intake(runtime, handlers.Context(topics=topics, clock=clock, vault=vault))

    links = VictimLinks(settings.victim_link_secret,
                        max_age=timedelta(days=settings.victim_link_max_age_days))
    app = runtime.create_app(title="Dialogue — intake", routers=[
        webhook_router(secrets=check_secrets(settings.webhook_secret_list(), "INTAKE_WEBHOOK_SECRET"),
                       max_body_bytes=settings.webhook_max_body_bytes, handle=intake.handle),
        victim_router(intake=intake, links=links, phone=settings.program_phone),
        request_page_router(intake=intake, secret=settings.victim_link_secret,
                            phone=settings.program_phone),
        staff_router(intake=intake),
    ])
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_api_route("/", lambda: RedirectResponse("/request"), include_in_schema=False)
    install_domain_errors(app)
    publish_models(app, IntakeWebhookIn)
    app.state.runtime = runtime
    app.state.intake = intake
    return runtime, app


def install_domain_errors(app: FastAPI) -> None:
    """The domain's refusals as RFC 9457 problems, naming the field but never its value."""
    async def invalid(request: Request, exc: InvalidRequest):
        return problem_response(Problem(422, "The request cannot be accepted", exc.detail,
                                        errors=[{"field": exc.field, "detail": exc.detail}]),
                                request.url.path)

    async def not_found(request: Request, exc: CaseNotFound):
        return problem_response(Problem(404, "No such case"), request.url.path)

    async def refused(request: Request, exc: CaseStepRefused):
        return problem_response(Problem(409, "Not possible now", str(exc)), request.url.path)

    app.add_exception_handler(InvalidRequest, invalid)
    app.add_exception_handler(CaseNotFound, not_found)
    app.add_exception_handler(CaseStepRefused, refused)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(service=settings.service_name, fmt=settings.log_format, level=settings.log_level)
    return bootstrap(settings)[1]
