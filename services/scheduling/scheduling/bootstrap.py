"""The composition root: settings, store, broker, handlers, the due-work loop, HTTP app."""
import asyncio
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from vod_shared.events import (
    CasesLinked,
    CaseUnlinked,
    CaseClosed,
    CasePaused,
    CaseResumed,
    CaseWithdrawn,
    ClearanceDenied,
    ClearanceGranted,
    ClearanceRequested,
    ClearanceVoided,
    CustodyStatusChanged,
    EligibilityDetermined,
    FacilitatorAssigned,
    LetterDelivered,
    LetterKept,
    LetterReceived,
    LetterReviewed,
    MeetingCancelled,
    MeetingScheduled,
    PartyReady,
    PersonErased,
    RequestReceived,
    ScreeningCompleted,
    SessionCancelled,
    SessionCompleted,
    SessionScheduled,
    SupportPersonAdded,
    SupportPersonRemoved,
    SurveyDue,
)
from vod_shared.logging import configure_logging
from vod_shared.runtime import ServiceRuntime
from vod_shared.keybook import KeyBook
from vod_shared.sealing import KeyDirectory
from vod_shared.stopping import cancel_and_wait

from scheduling.config import Settings
from scheduling.entrypoints.audit import audit_router
from scheduling.entrypoints.api_cases import cases_router
from scheduling.entrypoints.api_letters import letters_router
from scheduling.entrypoints.api_directory import directory_router
from scheduling.entrypoints.api_groups import groups_router
from scheduling.entrypoints.errors import install_domain_errors
from scheduling.entrypoints.calendar_page import calendar_router
from scheduling.entrypoints.group_page import group_router
from scheduling.entrypoints.pages import pages_router
from scheduling.entrypoints.reports_page import reports_router
from scheduling.entrypoints.origin import RecordOrigin
from scheduling.service_layer import handlers
from scheduling.service_layer.context import Context
from scheduling.service_layer.due_work import DueWork
from scheduling.service_layer.service import SchedulingService
from scheduling.service_layer.unit_of_work import UnitOfWork

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE = "scheduling"
PUBLISHED = (FacilitatorAssigned, MeetingScheduled, MeetingCancelled, PartyReady,
             SessionScheduled, SessionCancelled, SessionCompleted, ClearanceRequested, SurveyDue,
             CasePaused, CaseResumed, CaseClosed, LetterReceived, LetterReviewed, LetterKept,
             LetterDelivered, CasesLinked, CaseUnlinked)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def event_handlers(ctx: Context) -> dict:
    """Every event scheduling acts on, and what it does with it."""
    on = partial
    return {
        RequestReceived: on(handlers.request_received, ctx=ctx),
        CasePaused: on(handlers.victim_paused, ctx=ctx),
        CaseResumed: on(handlers.victim_resumed, ctx=ctx),
        CaseWithdrawn: on(handlers.victim_withdrew, ctx=ctx),
        SupportPersonAdded: on(handlers.support_person_added, ctx=ctx),
        SupportPersonRemoved: on(handlers.support_person_removed, ctx=ctx),
        EligibilityDetermined: on(handlers.eligibility_determined, ctx=ctx),
        ScreeningCompleted: on(handlers.screening_completed, ctx=ctx),
        ClearanceGranted: on(handlers.clearance_decided, ctx=ctx),
        ClearanceDenied: on(handlers.clearance_decided, ctx=ctx),
        ClearanceVoided: on(handlers.clearance_voided, ctx=ctx),
        CustodyStatusChanged: on(handlers.custody_changed, ctx=ctx),
        PersonErased: on(handlers.person_erased, ctx=ctx),  # the only one read on vod.people
    }


def bootstrap(settings: Settings | None = None, clock=utc_now) -> tuple[ServiceRuntime, FastAPI]:
    settings = settings or Settings()
    topics = settings.topics
    runtime = ServiceRuntime(settings, migrations_dir=MIGRATIONS, uow_class=UnitOfWork)
    # Scheduling's own keys (current and not yet retired previous ones): its copies of the data
    # keys intake grants it (the key book, fed from vod.keys) and staff's notes are sealed
    # under them
    keyring = KeyDirectory(settings.effective_keys_dir()).keyring(SERVICE)
    keybook = KeyBook(keyring)
    ctx = Context(
        topics, clock, keybook,
        seal_note=lambda words, case_id: keyring.seal({"note": words}, (SERVICE,),
                                                      about=case_id),
        open_note=lambda sealed, case_id: keyring.unseal(sealed, senders=(SERVICE,),
                                                         about=case_id)["note"])
    runtime.publishes(topics.scheduling, *PUBLISHED)
    consumer = runtime.consume(topics.intake, topics.screening, topics.custody, topics.people,
                               handlers=event_handlers(ctx))
    runtime.consume_keys(keybook)
    service = SchedulingService(runtime.uow, ctx)
    due_work = DueWork(runtime.uow, ctx, poll_interval_s=settings.due_work_interval_s)
    app = runtime.create_app(title="Dialogue — scheduling", routers=[
        directory_router(service),
        cases_router(service, phone=settings.program_phone),
        letters_router(service),
        groups_router(service),
        pages_router(service),
        group_router(service),
        reports_router(runtime.uow, clock),
        calendar_router(service),
        audit_router(service),
    ])
    app.add_middleware(RecordOrigin)
    app.add_api_route("/", lambda: RedirectResponse("/staff/"), include_in_schema=False)
    install_domain_errors(app)
    app.router.lifespan_context = _with_due_work(runtime, due_work)
    app.state.runtime, app.state.service, app.state.due_work = runtime, service, due_work
    app.state.ctx, app.state.consumer = ctx, consumer
    return runtime, app


def _with_due_work(runtime: ServiceRuntime, due_work: DueWork):
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with runtime.lifespan(app):
            if not runtime.started:  # stopped before the broker answered: nothing falls due
                yield
                return
            task = asyncio.create_task(due_work.run(), name="due-work")
            try:
                yield
            finally:  # stopped before the store closes
                await cancel_and_wait(task)

    return lifespan


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(service=settings.service_name, fmt=settings.log_format, level=settings.log_level)
    return bootstrap(settings)[1]
