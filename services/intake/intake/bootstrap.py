"""The composition root: settings, store, broker, keys, handlers, the door, HTTP app."""
import asyncio
from contextlib import asynccontextmanager, nullcontext
from datetime import datetime, timedelta, timezone
from pathlib import Path

import structlog

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import IntegrityError

from vod_shared.events import (
    CaseClosed,
    CasePaused,
    CaseResumed,
    CaseWithdrawn,
    EligibilityDetermined,
    NotificationFailed,
    NotificationSent,
    PersonErased,
    PersonRegistered,
    PersonUpdated,
    PossibleDuplicateFound,
    RegistrationCancelled,
    RegistrationChanged,
    RegistrationReceived,
    RequestReceived,
    RequestRepeated,
    SubjectKeyGranted,
    SupportPersonAdded,
    SupportPersonRemoved,
)
from vod_shared.logging import configure_logging
from vod_shared.openapi import publish_models
from vod_shared.problems import Problem, problem_response
from vod_shared.runtime import ServiceRuntime
from vod_shared.sealing import KeyDirectory
from vod_shared.stopping import cancel_and_wait, stop_if_cancelled
from vod_shared.topics import KEY_TOMBSTONE_AGAIN_AFTER_S
from vod_shared.victim_links import VictimLinks
from vod_shared.webhooks import check_secrets

from intake.adapters.door_post import DoorPost, SmtpSettings
from intake.adapters.staff_reads import AuditEntry
from intake.adapters.vault import Vault
from intake.config import Settings
from intake.domain.commands import (
    AddSupportPerson,
    ChangeCase,
    ErasePerson,
    RegisterForCustodyNotices,
    RemoveSupportPerson,
    RequestDialogue,
)
from intake.domain.errors import (
    CaseNotFound,
    CaseStepRefused,
    ChangedMeanwhile,
    InvalidRequest,
    PersonNotFound,
)
from intake.entrypoints.pages import STATIC_DIR
from intake.entrypoints.security import harden_public_pages
from intake.entrypoints.request_page import request_page_router
from intake.entrypoints.schemas import IntakeWebhookIn
from intake.entrypoints.staff_api import staff_router
from intake.entrypoints.staff_intake_form import intake_form_router
from intake.entrypoints.staff_audit import audit_router
from intake.entrypoints.staff_pages import staff_pages_router
from intake.entrypoints.staff_support_page import support_page_router
from intake.entrypoints.staff_support_persons import support_persons_router
from intake.entrypoints.victim_pages import victim_router
from intake.entrypoints.webhooks import webhook_router
from intake.service_layer.staff_desk import StaffDesk
from intake.service_layer import erasure, handlers, her_page, support_persons
from intake.service_layer.data_keys import DataKeys
from intake.service_layer.door import Door, DoorLimits
from intake.service_layer.unit_of_work import UnitOfWork

log = structlog.get_logger()

MIGRATIONS = Path(__file__).parent / "migrations"
COMMAND_HANDLERS = {
    RequestDialogue: handlers.request_dialogue,
    RegisterForCustodyNotices: handlers.register_for_custody_notices,
    ChangeCase: handlers.change_case,
    ErasePerson: erasure.erase_person,
    AddSupportPerson: support_persons.add_support_person,
    RemoveSupportPerson: support_persons.remove_support_person,
}


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Intake:
    """Runs one command in its own unit of work."""

    def __init__(self, runtime: ServiceRuntime, context: handlers.Context) -> None:
        self.runtime = runtime
        self.context = context
        # SQLite takes one writer at a time; the others wait in its busy handler, which
        # sleeps up to 100 ms between tries. Commands of this process queue here instead and
        # start the moment the one before has committed.
        self._one_writer = asyncio.Lock() if runtime.engine.dialect.name == "sqlite" \
            else nullcontext()

    async def handle(self, command, *, audit: AuditEntry | None = None):
        """``audit``: a staff decision's entry, committed with the decision or not at all."""
        handler = COMMAND_HANDLERS[type(command)]
        for attempt in (1, 2):
            try:
                async with self._one_writer, self.runtime.uow() as uow:
                    if audit is not None:
                        uow.audit_decision(audit)
                    result = await handler(command, uow, self.context)
                    if uow.decision_unrecorded:  # a handler that had nothing to commit:
                        await uow.rollback()  # its entry alone, never a write it left
                        await uow.commit()
                    return result
            except (IntegrityError, ChangedMeanwhile):
                # The same webhook-id twice at once, or two changes to one case at once: the
                # loser reads again and gets the winner's answer, or is refused as it should be.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def bootstrap(settings: Settings | None = None, clock=utc_now,
              post: DoorPost | None = None) -> tuple[ServiceRuntime, FastAPI]:
    """Wires the service; tests pass a clock and a door post of their own."""
    settings = settings or Settings()
    topics = settings.topics
    runtime = ServiceRuntime(settings, migrations_dir=MIGRATIONS, uow_class=UnitOfWork)
    runtime.publishes(topics.intake, RequestReceived, RequestRepeated, RegistrationReceived,
                      CasePaused, CaseResumed, CaseWithdrawn, PossibleDuplicateFound,
                      RegistrationChanged, RegistrationCancelled, SupportPersonAdded,
                      SupportPersonRemoved)
    runtime.publishes(topics.people, PersonRegistered, PersonUpdated, PersonErased)
    runtime.publishes(topics.keys, SubjectKeyGranted)
    runtime.consume(topics.screening, topics.scheduling, topics.notifications, handlers={
        EligibilityDetermined: handlers.follow_case_elsewhere,
        CaseClosed: handlers.follow_case_elsewhere,
        CasePaused: handlers.follow_case_elsewhere,
        CaseResumed: handlers.follow_case_elsewhere,
        NotificationSent: her_page.remember_message,
        NotificationFailed: her_page.remember_message,
    })
    vault = Vault(KeyDirectory(settings.effective_keys_dir()))
    context = handlers.Context(topics=topics, clock=clock, vault=vault,
                               keys=DataKeys(vault, topics, clock))
    intake = Intake(runtime, context)
    door = Door(runtime=runtime, ctx=context, post=post or door_post(settings), limits=DoorLimits(
        per_address_per_hour=settings.limit_per_address_per_hour,
        per_contact_per_day=settings.limit_per_contact_per_day,
        per_contact_all_per_day=settings.limit_per_contact_all_per_day,
        per_cdcr_per_day=settings.limit_per_cdcr_per_day,
        sms_per_number_per_day=settings.limit_sms_per_number_per_day,
        page_codes_per_contact_per_day=settings.limit_page_codes_per_contact_per_day),
        public_base_url=settings.public_base_url, phone=settings.program_phone)
    page = her_page.HerPage(runtime=runtime, ctx=context, door=door, phone=settings.program_phone)
    erasures = erasure.DueErasures(
        runtime=runtime, ctx=context,
        keep_after_closed=timedelta(days=settings.erase_after_closed_days)
        if settings.erase_after_closed_days else None)

    links = VictimLinks(settings.victim_link_secret,
                        max_age=timedelta(days=settings.victim_link_max_age_days))
    desk = StaffDesk(uow=runtime.uow, keys=context.keys, clock=clock)
    app = runtime.create_app(title="Dialogue — intake", routers=[
        webhook_router(secrets=check_secrets(settings.webhook_secret_list(), "INTAKE_WEBHOOK_SECRET"),
                       max_body_bytes=settings.webhook_max_body_bytes, handle=intake.handle,
                       metrics=runtime.metrics),
        victim_router(page=page, links=links, phone=settings.program_phone,
                      max_body_bytes=settings.public_form_max_bytes),
        request_page_router(door=door, secret=settings.victim_link_secret,
                            phone=settings.program_phone,
                            max_body_bytes=settings.public_form_max_bytes),
        # before staff_router, whose /api/cases/{case_id}/{action} would take its path
        support_persons_router(intake=intake, desk=desk),
        staff_router(intake=intake, desk=desk),
        staff_pages_router(desk),
        support_page_router(intake=intake, desk=desk),
        intake_form_router(intake=intake, desk=desk),
        audit_router(desk),
    ])
    harden_public_pages(app)
    app.router.lifespan_context = _with_due_work(runtime, door, page, erasures,
                                                 interval_s=settings.due_work_interval_s)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_api_route("/", lambda: RedirectResponse("/request"), include_in_schema=False)
    # Browsers ask for it on every page; nothing to show, and no 404 in their console.
    app.add_api_route("/favicon.ico", lambda: Response(status_code=204), include_in_schema=False)
    install_domain_errors(app)
    publish_models(app, IntakeWebhookIn)
    app.state.runtime = runtime
    app.state.intake = intake
    app.state.door = door
    app.state.her_page = page
    app.state.erasures = erasures
    return runtime, app


def door_post(settings: Settings) -> DoorPost:
    return DoorPost(
        smtp=SmtpSettings(host=settings.smtp_host, port=settings.smtp_port,
                          username=settings.smtp_username, password=settings.smtp_password,
                          starttls=settings.smtp_starttls, sender=settings.mail_from),
        sms_api_base=settings.sms_api_base, sms_account_sid=settings.sms_account_sid,
        sms_auth_token=settings.sms_auth_token, sms_from=settings.sms_from,
        team=settings.team)


def _with_due_work(runtime: ServiceRuntime, door: Door, page, erasures: erasure.DueErasures, *,
                   interval_s: float):
    """The service's lifespan plus a loop for what falls due: unconfirmed requests deleted after
    48 hours, withdrawals made final after 7 days, an erasure's tombstones written again, and
    requesters erased after the retention period. Rows in the store, so a restart loses none."""
    # The second tombstones are due KEY_TOMBSTONE_AGAIN_AFTER_S after an erasure, and the
    # grants must leave vod.keys within the minute: they are looked for every few seconds (one
    # indexed query), the rest every ``interval_s``.
    tick_s = min(interval_s, KEY_TOMBSTONE_AGAIN_AFTER_S / 4)

    async def due_work() -> None:
        loop = asyncio.get_running_loop()
        next_round = loop.time()
        while True:
            stop_if_cancelled()
            try:
                await erasures.tombstone_again()
                if loop.time() >= next_round:
                    next_round = loop.time() + interval_s
                    await door.expire()
                    await page.finalise_withdrawals()
                    await erasures.after_retention()
            except Exception as exc:  # a store outage: the next tick tries again
                stop_if_cancelled(exc)
                log.exception("due_work.failed")
            await asyncio.sleep(tick_s)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with runtime.lifespan(app):
            if not runtime.started:  # stopped before the broker answered: nothing falls due
                yield
                return
            task = asyncio.create_task(due_work(), name="due-work")
            try:
                yield
            finally:
                await cancel_and_wait(task)
    return lifespan


def install_domain_errors(app: FastAPI) -> None:
    """The domain's refusals as RFC 9457 problems, naming the field but never its value."""
    async def invalid(request: Request, exc: InvalidRequest):
        return problem_response(Problem(422, "The request cannot be accepted", exc.detail,
                                        errors=[{"field": exc.field, "detail": exc.detail}]),
                                request.url.path)

    async def not_found(request: Request, exc: CaseNotFound):
        return problem_response(Problem(404, "No such case"), request.url.path)

    async def no_person(request: Request, exc: PersonNotFound):
        return problem_response(Problem(404, "No such person"), request.url.path)

    async def refused(request: Request, exc: CaseStepRefused):
        return problem_response(Problem(409, "Not possible now", str(exc)), request.url.path)

    app.add_exception_handler(InvalidRequest, invalid)
    app.add_exception_handler(CaseNotFound, not_found)
    app.add_exception_handler(PersonNotFound, no_person)
    app.add_exception_handler(CaseStepRefused, refused)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(service=settings.service_name, fmt=settings.log_format, level=settings.log_level)
    return bootstrap(settings)[1]
