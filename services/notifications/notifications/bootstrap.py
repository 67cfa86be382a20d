"""The composition root: settings, store, broker, handlers, the sender and its providers, and
the HTTP app. Tests pass a clock and fake providers here."""
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import structlog
from fastapi import FastAPI

from vod_shared.events import (
    CaseClosed,
    Channel,
    CasePaused,
    CaseResumed,
    CaseWithdrawn,
    CustodyStatusChanged,
    EligibilityDetermined,
    MeetingCancelled,
    MeetingScheduled,
    NotificationFailed,
    NotificationSent,
    PersonErased,
    PersonRegistered,
    PersonUpdated,
    RegistrationCancelled,
    RegistrationChanged,
    RegistrationReceived,
    RequestReceived,
    RequestRepeated,
    SessionCancelled,
    SessionScheduled,
    SupportPersonAdded,
    SupportPersonRemoved,
    SurveyDue,
)
from vod_shared.logging import configure_logging
from vod_shared.problems import install_problem_handlers
from vod_shared.runtime import ServiceRuntime
from vod_shared.staff import StaffAuth

from notifications.adapters.contacts import ContactKeys
from notifications.adapters.email import SmtpSender, TeamEmail
from notifications.adapters.pacing import Pace, Paces
from notifications.adapters.rendering import Renderer
from notifications.adapters.sms import TeamSms, TwilioSender
from notifications.adapters.victim_links import VictimLinkUrls
from notifications.config import Settings
from notifications.domain.delivery import Status
from notifications.entrypoints.reports_page import reports_router
from notifications.entrypoints.staff_api import staff_router
from notifications.entrypoints.staff_audit import audit_router
from notifications.entrypoints.staff_pages import staff_pages_router
from notifications.entrypoints.webhooks import sms_webhook_router
from notifications.service_layer import (
    handlers,
    registration_changes,
    schedule_handlers,
    support_person_handlers,
)
from notifications.service_layer.outcomes import Outcomes
from notifications.service_layer.sender import GATHER_S, Sender
from notifications.service_layer.staff_alerts import StaffAlerts
from notifications.service_layer.unit_of_work import UnitOfWork

MIGRATIONS = Path(__file__).parent / "migrations"
log = structlog.get_logger("notifications")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def event_handlers(clock, alerts: StaffAlerts | None = None, *, keys: ContactKeys) -> dict:
    """Every event notifications acts on, and what it does with it (``keys`` check that a
    person's details are as intake sealed them before they are kept, and forget her data key
    when she is erased)."""
    on, alerts = partial, alerts or StaffAlerts()
    # Events about a case: kept until the request that opened it is read, then applied.
    about_a_case = {
        RequestRepeated: on(handlers.request_repeated, clock=clock),
        EligibilityDetermined: on(handlers.eligibility_determined, clock=clock, alerts=alerts),
        CasePaused: on(handlers.case_step, clock=clock, step="paused"),
        CaseResumed: on(handlers.case_step, clock=clock, step="resumed"),
        CaseWithdrawn: on(handlers.case_step, clock=clock, step="withdrawn"),
        CaseClosed: on(handlers.case_step, clock=clock, step="closed"),
        MeetingScheduled: on(schedule_handlers.meeting_scheduled, clock=clock),
        MeetingCancelled: on(schedule_handlers.meeting_cancelled, clock=clock),
        SessionScheduled: on(schedule_handlers.session_scheduled, clock=clock),
        SessionCancelled: on(schedule_handlers.session_cancelled, clock=clock),
        SurveyDue: on(schedule_handlers.survey_due, clock=clock),
        SupportPersonAdded: on(support_person_handlers.support_person_added, clock=clock),
        SupportPersonRemoved: on(support_person_handlers.support_person_removed, clock=clock),
    }
    return {
        RequestReceived: on(handlers.request_received, clock=clock, parked_handlers=about_a_case),
        **about_a_case,
        RegistrationReceived: on(handlers.registration_received, clock=clock),
        RegistrationChanged: on(registration_changes.registration_changed, clock=clock),
        RegistrationCancelled: on(registration_changes.registration_cancelled, clock=clock),
        CustodyStatusChanged: on(handlers.custody_status_changed, clock=clock, alerts=alerts),
        PersonRegistered: on(handlers.person_known, clock=clock, keys=keys),
        PersonUpdated: on(handlers.person_known, clock=clock, keys=keys),
        PersonErased: on(handlers.person_erased, clock=clock, keys=keys),
    }


def bootstrap(settings: Settings | None = None, clock=utc_now, *, email=None,
              sms=None) -> tuple[ServiceRuntime, FastAPI]:
    settings = settings or Settings()
    # Every commit wakes the sender, so new deliveries need not wait for its next poll.
    runtime = ServiceRuntime(settings, migrations_dir=MIGRATIONS,
                             uow_class=UnitOfWork.waking(lambda: sender.wake()))
    topics = settings.topics
    runtime.publishes(topics.notifications, NotificationSent, NotificationFailed)
    alerts = StaffAlerts(settings.staff_alerts_email)
    keys = ContactKeys(settings.effective_keys_dir())
    runtime.consume(topics.intake, topics.screening, topics.scheduling, topics.custody,
                    topics.people, handlers=event_handlers(clock, alerts, keys=keys))
    # The data keys intake grants this service, in a consumer group of their own (vod.keys).
    runtime.consume_keys(keys.book)
    if not settings.sms_status_url:
        log.warning("sms.status_callbacks_off",
                    hint="set SMS_WEBHOOK_URL so the SMS provider reports what became of each "
                         "text (an unknown one is then settled by the provider's report)")
    sms = sms or TwilioSender(api_base=settings.sms_api_base, account_sid=settings.sms_account_sid,
                              auth_token=settings.sms_auth_token, sender=settings.sms_from,
                              timeout_s=settings.sms_timeout_s,
                              status_callback=settings.sms_status_url,
                              max_connections=settings.sender_concurrency)
    email = email or SmtpSender(
        host=settings.smtp_host, port=settings.smtp_port, username=settings.smtp_username,
        password=settings.smtp_password, starttls=settings.smtp_starttls,
        sender=settings.mail_from, timeout_s=settings.smtp_timeout_s,
        keep_open=settings.smtp_keep_open, max_connections=settings.smtp_max_connections)
    if (team := settings.team) is not None:
        email, sms = TeamEmail(email, team), TeamSms(sms, team)
        log.warning("messages.team_mode", team_emails=len(team.emails),
                    team_phones=len(team.phones),
                    hint="every email and text goes to the team only, marked a test")
    outcomes = Outcomes(uow=runtime.uow, topics=topics, policy=settings.retry_policy,
                        alerts=alerts)
    delivery_metrics(runtime)
    sender = Sender(
        uow=runtime.uow, keys=keys,
        renderer=Renderer(program_phone=settings.program_phone, organizer=settings.mail_from),
        outcomes=outcomes,
        links=victim_links(settings), staff_mailbox=settings.staff_alerts_email,
        email=email, sms=sms, clock=clock, lease=settings.sending_lease, failpoints=runtime.failpoints,
        concurrency=settings.sender_concurrency, gather_s=GATHER_S,
        poll_interval_s=settings.sender_poll_interval_s, paces=provider_paces(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime.lifespan(app):
            # stopped before the broker answered: no text or email leaves after a stop
            started = runtime.started
            if started:
                sender.start()
            try:
                yield
            finally:
                if started:
                    await sender.stop()
                for provider in (sms, email):
                    if hasattr(provider, "close"):
                        await provider.close()

    app = FastAPI(title="Dialogue — notifications", version="0.1.0", lifespan=lifespan)
    install_problem_handlers(app)
    StaffAuth.from_settings(settings, store=runtime.staff_store,
                            metrics=runtime.metrics).install(app)
    app.include_router(reports_router(uow=runtime.uow, clock=clock))
    app.include_router(runtime.health_router())
    app.include_router(sms_webhook_router(uow=runtime.uow, keys=keys, settings=settings,
                                          clock=clock, outcomes=outcomes,
                                          metrics=runtime.metrics))
    app.include_router(staff_router(uow=runtime.uow, keys=keys, outcomes=outcomes, clock=clock))
    app.include_router(staff_pages_router(uow=runtime.uow, keys=keys, outcomes=outcomes,
                                          clock=clock))
    app.include_router(audit_router(uow=runtime.uow, clock=clock))
    app.state.runtime, app.state.sender = runtime, sender
    return runtime, app


def provider_paces(settings: Settings) -> dict[str, Paces]:
    """Each channel's limits: a text its number's and its account's, an email the relay's."""
    return {Channel.SMS.value: Paces(Pace(settings.sms_number_rate),
                                     Pace(settings.sms_account_rate_per_s)),
            Channel.EMAIL.value: Paces(Pace(settings.smtp_rate_per_s))}


def delivery_metrics(runtime: ServiceRuntime) -> None:
    """``vod_deliveries{state,channel}`` and ``vod_unknown_deliveries``, counted in the store at
    each scrape (every state and channel, so a state that empties reads 0)."""

    async def counts() -> dict[tuple[str, str], int]:
        async with runtime.uow() as uow:
            rows = await uow.deliveries.counts()
        found = {(status, channel): count for status, channel, count in rows}
        return {(status.value, channel.value): found.get((status.value, channel.value), 0)
                for status in Status for channel in Channel}

    async def by_state() -> list[tuple[tuple[str, ...], float]]:
        return [(key, float(count)) for key, count in (await counts()).items()]

    async def unknown() -> list[tuple[tuple[str, ...], float]]:
        return [((), float(sum(count for (status, _), count in (await counts()).items()
                               if status == Status.UNKNOWN.value)))]

    runtime.metrics.gauge("vod_deliveries", "Deliveries (a message to one person on one "
                          "channel) by state and channel", ("state", "channel"), by_state)
    runtime.metrics.gauge("vod_unknown_deliveries", "Deliveries whose outcome is unknown: staff "
                          "settle each (POST /api/deliveries/{id}/settle)", (), unknown)


def victim_links(settings: Settings) -> VictimLinkUrls | None:
    if not settings.victim_link_secret:
        log.warning("victim_links.off", hint="set VICTIM_LINK_SECRET (intake's) to put the "
                                             "victim's own link in emails about their case")
        return None
    if problem := settings.intake_url_problem:
        # Not refused: ``make run`` links to localhost on purpose.
        log.warning("victim_links.unreachable", problem=problem,
                    intake_public_url=settings.intake_public_url,
                    hint="victims could not open their link: set INTAKE_PUBLIC_URL to intake's "
                         "public https address")
    return VictimLinkUrls(settings.victim_link_secret, settings.intake_public_url)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(service=settings.service_name, fmt=settings.log_format, level=settings.log_level)
    return bootstrap(settings)[1]
