"""Settings every service shares. Each service's ``config.py`` adds its own port and database."""
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from vod_shared.staff.settings import StaffSettings
from vod_shared.team_mode import TeamMode, team_mode
from vod_shared.topics import Topics


# The secrets `make run` uses (the Makefile's DEV_SETTINGS), published with the code: a service
# refuses to start with one unless VOD_ENV=development (shared/tests/test_settings.py keeps
# this list and the Makefile together).
DEVELOPMENT_SECRETS = frozenset({
    "whsec_ZGV2LW9ubHktaW50YWtlLXNlY3JldC1jaGFuZ2UtbWU=",
    "whsec_ZGV2LW9ubHktY3VzdG9keS1zZWNyZXQtY2hhbmdlLW1l",
    "dev-only-victim-link-secret-change-me",
    "dev-only-sms-auth-token",
})


class PublishedSecret(ValueError):
    """A development secret (published in the Makefile) outside development."""


def refuse_development_secrets(environ: dict[str, str], vod_env: str) -> None:
    """Raises PublishedSecret, naming the variables (never the values), when any variable
    holds a development secret and VOD_ENV is not ``development``."""
    if vod_env == "development":
        return
    published = sorted(name for name, value in environ.items() if value in DEVELOPMENT_SECRETS)
    if published:
        raise PublishedSecret(
            f"{', '.join(published)} hold the development secrets published in the Makefile: "
            f"set your own (see README, Deploying), or VOD_ENV=development on a laptop")


class ServiceSettings(StaffSettings):
    """Every service's settings; the staff sign-in settings come from ``StaffSettings``."""

    # Only the documented variable names: a generic PORT (set by process managers such as
    # honcho) must not move a service off its port.
    model_config = SettingsConfigDict(extra="ignore")

    service_name: ClassVar[str] = "service"
    default_port: ClassVar[int] = 8000

    # "development" (`make run`) allows the Makefile's published secrets and turns the API
    # pages (/docs, /redoc) on; anything else is a deployment
    vod_env: Literal["development", "production"] = Field("production", validation_alias="VOD_ENV")
    # The address the HTTP server listens on: loopback unless told otherwise (a container: 0.0.0.0)
    bind_host: str = Field("127.0.0.1", validation_alias="VOD_BIND_HOST")
    # /docs and /redoc load scripts from a CDN: off in a deployment unless turned on
    api_docs: bool | None = Field(None, validation_alias="API_DOCS")
    kafka_bootstrap_servers: str = Field("localhost:9092", validation_alias="KAFKA_BOOTSTRAP_SERVERS")
    # The broker's door: PLAINTEXT under `make run`; in production SASL_SSL with this service's
    # own user (SCRAM), whose ACLs let it write only its own topics and read only what it
    # consumes (`vod_shared.topics.acl_entries`).
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL"] = Field(
        "PLAINTEXT", validation_alias="KAFKA_SECURITY_PROTOCOL")
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256"] = Field(
        "SCRAM-SHA-512", validation_alias="KAFKA_SASL_MECHANISM")
    kafka_username: str | None = Field(None, validation_alias="KAFKA_USERNAME")
    kafka_password: str | None = Field(None, validation_alias="KAFKA_PASSWORD")
    kafka_ca_file: Path | None = Field(None, validation_alias="KAFKA_CA_FILE")
    data_dir: Path = Field(Path("var"), validation_alias="VOD_DATA_DIR")
    topic_prefix: str = Field("", validation_alias="VOD_TOPIC_PREFIX")
    log_format: Literal["auto", "json", "console", "plain"] = Field("auto", validation_alias="LOG_FORMAT")
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")
    # A restarted consumer waits for its dead twin's session to expire before it gets the
    # partitions back; shorter is faster recovery, too short is spurious rebalances.
    kafka_session_timeout_ms: int = Field(10_000, validation_alias="KAFKA_SESSION_TIMEOUT_MS")
    consumer_max_attempts: int = Field(5, ge=1, validation_alias="CONSUMER_MAX_ATTEMPTS")
    consumer_retry_backoff_s: float = Field(0.5, ge=0, validation_alias="CONSUMER_RETRY_BACKOFF_S")
    # How long an event waits for something that travels on another topic (a data key) before
    # it is parked in the dead letters
    consumer_not_yet_s: float = Field(60.0, ge=0, validation_alias="CONSUMER_NOT_YET_S")
    # Records applied in one transaction (a failing one is then applied alone), and how long
    # a consumer waits for a batch to fill before it applies what it has
    consumer_batch_size: int = Field(100, ge=1, validation_alias="CONSUMER_BATCH_SIZE")
    consumer_batch_wait_ms: int = Field(50, ge=0, validation_alias="CONSUMER_BATCH_WAIT_MS")
    # How much of each partition a consumer reads ahead of its handlers (aiokafka's
    # max_partition_fetch_bytes; with its default, 1 MiB, notifications, whose group reads 15
    # partitions, held 11.8 MB of fetched records while behind a burst). Never below the
    # producers' batch (runtime.PRODUCER_BATCH_BYTES): a batch over it comes only when its
    # partition is the first with data in a fetch.
    consumer_fetch_kib: int = Field(256, ge=1, validation_alias="CONSUMER_FETCH_KIB")
    consumer_commit_every: int = Field(100, ge=1, validation_alias="CONSUMER_COMMIT_EVERY")
    consumer_commit_interval_s: float = Field(1.0, ge=0, validation_alias="CONSUMER_COMMIT_INTERVAL_S")
    # SQLite calls on the event loop's thread (inloop), or in aiosqlite's worker thread
    sqlite_driver: Literal["inloop", "aiosqlite"] = Field("inloop",
                                                          validation_alias="SQLITE_DRIVER")
    outbox_poll_interval_s: float = Field(1.0, gt=0, validation_alias="OUTBOX_POLL_INTERVAL_S")
    outbox_retention_days: float = Field(7.0, gt=0, validation_alias="OUTBOX_RETENTION_DAYS")
    failpoint: str | None = Field(None, validation_alias="VOD_FAILPOINT")
    keys_dir: Path | None = Field(None, validation_alias="VOD_KEYS_DIR")
    # The number people are told to call: the victim services office.
    program_phone: str = Field("1-877-256-6877", validation_alias="PROGRAM_PHONE")
    # GET /metrics: with a token, for whoever sends it as a bearer token; without, only on
    # this machine (loopback)
    metrics_token: SecretStr | None = Field(None, validation_alias="METRICS_TOKEN")

    # Filled in by each service from <SERVICE>_DATABASE_URL and <SERVICE>_PORT.
    database_url: str | None = None
    port: int = 0

    @property
    def topics(self) -> Topics:
        return Topics(self.topic_prefix)

    @property
    def consumer_group(self) -> str:
        return f"{self.topic_prefix}{self.service_name}"

    @property
    def source(self) -> str:
        """The CloudEvents ``source`` of everything this service emits."""
        return f"/services/{self.service_name}"

    def effective_api_docs(self) -> bool:
        return self.api_docs if self.api_docs is not None else self.vod_env == "development"

    def kafka_client_options(self) -> dict:
        """aiokafka's connection options for this service's user on the broker."""
        return kafka_client_options(self.kafka_security_protocol, self.kafka_sasl_mechanism,
                                    self.kafka_username, self.kafka_password, self.kafka_ca_file)

    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        path = (self.data_dir / f"{self.service_name}.db").resolve()
        return f"sqlite+aiosqlite:///{path}"

    def effective_keys_dir(self) -> Path:
        return self.keys_dir or self.data_dir / "keys"

    def effective_port(self) -> int:
        return self.port or self.default_port


def kafka_client_options(protocol: str, mechanism: str, username: str | None,
                         password: str | None, ca_file: Path | None) -> dict:
    options: dict = {"security_protocol": protocol}
    if protocol.startswith("SASL"):
        if not username or not password:
            raise ValueError(f"KAFKA_SECURITY_PROTOCOL={protocol} needs KAFKA_USERNAME and "
                             f"KAFKA_PASSWORD")
        options |= {"sasl_mechanism": mechanism, "sasl_plain_username": username,
                    "sasl_plain_password": password}
    if protocol.endswith("SSL"):
        import ssl
        options["ssl_context"] = ssl.create_default_context(
            cafile=str(ca_file) if ca_file else None)
    return options


class OutboundSettings(BaseSettings):
    """The mail server and the Twilio-compatible SMS API, for the services that send: notifications,
    and intake for the door's confirmations and codes (the same variables for both)."""

    model_config = SettingsConfigDict(extra="ignore")

    smtp_host: str = Field("localhost", validation_alias="SMTP_HOST")
    smtp_port: int = Field(1025, validation_alias="SMTP_PORT")
    smtp_username: str | None = Field(None, validation_alias="SMTP_USERNAME")
    smtp_password: str | None = Field(None, validation_alias="SMTP_PASSWORD")
    smtp_starttls: bool = Field(False, validation_alias="SMTP_STARTTLS")
    smtp_timeout_s: float = Field(30.0, gt=0, validation_alias="SMTP_TIMEOUT_S")
    mail_from: str = Field("Victim Services <victim.services@dialogue.invalid>",
                           validation_alias="MAIL_FROM")

    sms_api_base: str = Field("http://127.0.0.1:8025", validation_alias="SMS_API_BASE")
    sms_account_sid: str = Field("AC00000000000000000000000000000000",
                                 validation_alias="SMS_ACCOUNT_SID")
    sms_auth_token: str = Field("", validation_alias="SMS_AUTH_TOKEN")
    sms_from: str = Field("+15005550006", validation_alias="SMS_FROM")
    sms_timeout_s: float = Field(15.0, gt=0, validation_alias="SMS_TIMEOUT_S")

    # Team mode (vod_shared.team_mode): every email and text goes only to these, marked a test.
    messages_mode: Literal["live", "team"] = Field("live", validation_alias="MESSAGES_MODE")
    team_emails: str = Field("", validation_alias="TEAM_EMAILS")
    team_phones: str = Field("", validation_alias="TEAM_PHONES")

    @property
    def team(self) -> TeamMode | None:
        """The team every message goes to in team mode; None when live. Raises
        TeamModeMisconfigured in team mode without TEAM_EMAILS."""
        return team_mode(self.messages_mode, self.team_emails, self.team_phones)


def environment_variables(settings_cls: type[BaseSettings]) -> set[str]:
    """The environment variable names a settings class reads (for checks such as docker-compose)."""
    names = set()
    for field_name, field in settings_cls.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, str):
            names.add(alias.upper())
        elif isinstance(alias, AliasChoices):  # a new name and the old ones, all read
            names |= {choice.upper() for choice in alias.choices if isinstance(choice, str)}
        else:
            names.add(field_name.upper())
    return names
