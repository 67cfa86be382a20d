"""Notifications' settings: the only module that reads the environment."""
from datetime import timedelta
from ipaddress import ip_address
from typing import ClassVar
from urllib.parse import urlsplit

from pydantic import Field

from vod_shared.settings import OutboundSettings, ServiceSettings

from notifications.domain.delivery import RetryPolicy


class Settings(ServiceSettings, OutboundSettings):
    service_name: ClassVar[str] = "notifications"
    default_port: ClassVar[int] = 8004

    database_url: str | None = Field(None, validation_alias="NOTIFICATIONS_DATABASE_URL")
    port: int = Field(8004, validation_alias="NOTIFICATIONS_PORT")

    # The address the SMS provider posts replies to, exactly as configured there (it is part of
    # what the provider signs); unset, the address the request arrived at is used.
    sms_webhook_url: str | None = Field(None, validation_alias="SMS_WEBHOOK_URL")

    # The program's staff mailbox for alerts where a person must act (a request to review, a
    # message that could not be delivered); unset, each alert is logged instead.
    staff_alerts_email: str | None = Field(None, validation_alias="STAFF_ALERTS_EMAIL")
    # The victim's own link (/v/<token> on intake) in emails about their case: the same secret
    # as intake's; unset, the link is left out.
    victim_link_secret: str = Field("", validation_alias="VICTIM_LINK_SECRET")
    intake_public_url: str = Field("http://localhost:8001", validation_alias="INTAKE_PUBLIC_URL")

    sender_poll_interval_s: float = Field(1.0, gt=0, validation_alias="NOTIFICATIONS_SENDER_POLL_S")
    # Sends at once; also how many claims (and outcomes) share one transaction at most
    sender_concurrency: int = Field(32, ge=1, validation_alias="NOTIFICATIONS_SENDER_CONCURRENCY")
    # The provider's limits, in messages a second (0: none). A text keeps its sender number's
    # (SMS_FROM: a long code 1, a toll-free number 3, a short code 100) and the account's;
    # unset, the number's is none for a provider on this machine (the local catcher), else 1.
    sms_rate_per_s: float | None = Field(None, ge=0, validation_alias="SMS_RATE_PER_S")
    sms_account_rate_per_s: float = Field(0.0, ge=0, validation_alias="SMS_ACCOUNT_RATE_PER_S")
    smtp_rate_per_s: float = Field(0.0, ge=0, validation_alias="SMTP_RATE_PER_S")
    smtp_keep_open: int = Field(4, ge=0, validation_alias="SMTP_KEEP_OPEN")
    # Conversations with the mail server at once (a relay refuses a client opening too many)
    smtp_max_connections: int = Field(8, ge=1, validation_alias="SMTP_MAX_CONNECTIONS")
    # Longer than any one send can take (the SMTP and SMS timeouts): a row still "sending"
    # after this was cut off by a crash, and its outcome is unknown.
    sending_lease_s: float = Field(300.0, gt=0, validation_alias="NOTIFICATIONS_SENDING_LEASE_S")
    retry_first_delay_s: float = Field(30.0, gt=0, validation_alias="NOTIFICATIONS_RETRY_FIRST_S")
    retry_max_delay_s: float = Field(3600.0, gt=0, validation_alias="NOTIFICATIONS_RETRY_MAX_S")
    retry_give_up_after_s: float = Field(86400.0, gt=0,
                                         validation_alias="NOTIFICATIONS_RETRY_GIVE_UP_S")

    @property
    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(self.retry_first_delay_s, self.retry_max_delay_s,
                           self.retry_give_up_after_s)

    @property
    def sms_status_url(self) -> str | None:
        """Where the SMS provider reports what became of each text (``StatusCallback``): the
        replies' address + ``/status``; None without SMS_WEBHOOK_URL (the provider then does
        not report, and an unknown text is settled by staff alone)."""
        return f"{self.sms_webhook_url.rstrip('/')}/status" if self.sms_webhook_url else None

    @property
    def sms_number_rate(self) -> float:
        """Texts a second from SMS_FROM (0: no limit)."""
        if self.sms_rate_per_s is not None:
            return self.sms_rate_per_s
        return 0.0 if _on_this_machine(self.sms_api_base) else 1.0

    @property
    def sending_lease(self) -> timedelta:
        return timedelta(seconds=self.sending_lease_s)

    @property
    def intake_url_problem(self) -> str | None:
        """Why a victim could not open a link under INTAKE_PUBLIC_URL (``local``: this machine
        only, as ``make run`` means it; ``not_https``; ``no_host``), else None."""
        parts = urlsplit(self.intake_public_url)
        host = (parts.hostname or "").lower()
        if not host:
            return "no_host"
        if host == "localhost" or host.endswith(".localhost") or _loopback(host):
            return "local"
        return None if parts.scheme == "https" else "not_https"


def _loopback(host: str) -> bool:
    try:
        address = ip_address(host)
    except ValueError:
        return False  # a name, not an address
    return address.is_loopback or address.is_unspecified


def _on_this_machine(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host == "localhost" or _loopback(host)
