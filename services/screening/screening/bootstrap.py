"""The composition root: settings, store, broker, handlers, HTTP app."""
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import IntegrityError

from vod_shared import deadletters, events as e
from vod_shared.logging import configure_logging
from vod_shared.openapi import publish_models
from vod_shared.runtime import ServiceRuntime
from vod_shared.topics import Topics
from vod_shared.webhooks import check_secrets

from screening.adapters.names import NameReader
from screening.config import Settings
from screening.domain.commands import RecordCustodyChange
from screening.entrypoints.api import api_router
from screening.entrypoints.audit_everywhere import audit_everywhere_routers
from screening.entrypoints.dead_letters_page import dead_letters_router
from screening.entrypoints.errors import install_staff_errors
from screening.entrypoints.page_forms import page_forms_router
from screening.entrypoints.pages import pages_router
from screening.entrypoints.reports_page import reports_router
from screening.entrypoints.rendering import STATIC_DIR
from screening.entrypoints.schemas import CustodyChangeIn
from screening.entrypoints.webhooks import custody_webhook_router
from screening.service_layer import audit_everywhere, duplicates, following, handlers
from screening.service_layer.desk import ScreeningDesk
from screening.service_layer.unit_of_work import UnitOfWork

MIGRATIONS = Path(__file__).parent / "migrations"
RecordChange = Callable[[RecordCustodyChange], Awaitable[handlers.Recorded]]
PUBLISHED = (e.EligibilityDetermined, e.ScreeningCompleted, e.ClearanceGranted,
             e.ClearanceDenied, e.ClearanceVoided, e.DuplicateResolved)
# Everything about a case that goes on its timeline, whoever told it.
TIMELINE = following.ON_THE_TIMELINE


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


def event_handlers(topics: Topics, clock, names: NameReader) -> dict:
    """What screening does with each event it reads; every case event also goes on the
    case's timeline, in the same transaction. ``names`` checks that intake sealed what is kept
    sealed (a name, logistics), and forgets the keys of the erased."""
    end_case = partial(handlers.end_case, clock=clock)
    person_details = partial(following.person_details, names=names)
    acts = {
        e.RequestReceived: following.both(
            partial(handlers.decide_eligibility, topics=topics, clock=clock),
            partial(following.request_logistics, names=names),
            duplicates.reference_known),
        # Its timeline lines name the other case by its reference: written by the handler.
        e.PossibleDuplicateFound: duplicates.found,
        e.CaseWithdrawn: end_case,
        e.CaseClosed: end_case,
        e.CasePaused: following.paused_or_resumed,
        e.CaseResumed: following.paused_or_resumed,
        e.CustodyStatusChanged: following.custody_changed(clock=clock, topics=topics),
        e.FacilitatorAssigned: following.facilitators_assigned,
        e.ClearanceRequested: following.clearance_requested(clock=clock),
        e.SupportPersonRemoved: following.support_person_removed(clock=clock, topics=topics),
        e.PersonRegistered: person_details,
        e.PersonUpdated: person_details,
        e.PersonErased: person_details,
    }
    with_timeline = {kind: following.both(*filter(None, (acts.get(kind), following.on_timeline)))
                     for kind in TIMELINE}
    # every service's audit entries, for admins' one page of them all
    return {**acts, **with_timeline, e.AuditRecorded: partial(
        audit_everywhere.audit_recorded, keyring=names.keybook.keyring)}


def bootstrap(settings: Settings | None = None, clock=utc_now) -> tuple[ServiceRuntime, FastAPI]:
    settings = settings or Settings()
    topics = settings.topics
    runtime = ServiceRuntime(settings, migrations_dir=MIGRATIONS, uow_class=UnitOfWork)
    runtime.publishes(topics.screening, *PUBLISHED)
    runtime.publishes(topics.custody, e.CustodyStatusChanged)
    # Screening's copies of the data keys intake grants it (vod.keys), to open what intake
    # sealed about a person or a case for a staff page
    names = NameReader(settings.effective_keys_dir())
    runtime.consume(topics.intake, topics.people, topics.custody, topics.scheduling,
                    topics.notifications, topics.audit,
                    handlers=event_handlers(topics, clock, names))
    runtime.consume_keys(names.keybook)
    desk = ScreeningDesk(runtime.uow, topics=topics, clock=clock, names=names)
    app = runtime.create_app(title="Dialogue — screening", routers=[
        custody_webhook_router(secrets=check_secrets(settings.custody_webhook_secret_list(),
                                                     "CUSTODY_WEBHOOK_SECRET"),
                               max_body_bytes=settings.custody_webhook_max_body_bytes,
                               record_change=custody_recorder(runtime, topics, clock),
                               metrics=runtime.metrics),
        api_router(desk, clock),
        pages_router(desk, clock),
        reports_router(desk, runtime.uow, clock),
        page_forms_router(desk, clock),
        dead_letters_router(desk),
        *audit_everywhere_routers(desk),
    ])
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_api_route("/", lambda: RedirectResponse("/staff/"), include_in_schema=False)
    install_staff_errors(app)
    publish_models(app, CustodyChangeIn)
    app.state.runtime, app.state.desk, app.state.names = runtime, desk, names
    app.state.list_dead_letters = partial(deadletters.list_all, settings)
    return runtime, app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(service=settings.service_name, fmt=settings.log_format, level=settings.log_level)
    return bootstrap(settings)[1]
