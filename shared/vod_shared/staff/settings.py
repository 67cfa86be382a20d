"""Staff sign-in settings: where the accounts live, where the sign-in state lives (sessions,
failed sign-ins, used one-time codes, the accounts' roles: one store every service shares), which
service signs people in, how long a session lasts, and which proxies' ``X-Forwarded-For`` to
believe.

Built so a service's settings class can inherit it, which puts these variable names into that
service's ``environment_variables`` (docker-compose is checked against them).
"""
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import structlog
from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vod_shared.staff.addresses import Networks, parse_networks

log = structlog.get_logger("vod.staff")

SECRET_FILE_NAME = "staff-session.secret"
MIN_SECRET_LENGTH = 32


class StaffSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    data_dir: Path = Field(Path("var"), validation_alias="VOD_DATA_DIR")
    staff_file: Path | None = Field(None, validation_alias="VOD_STAFF_FILE")
    # This service's own secret: it signs this service's CSRF tokens, nothing else (a session
    # is trusted by the store alone: see sessions.py), so each service may, and in a
    # deployment should, have its own. STAFF_SESSION_SECRET is its old name, still read.
    session_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("STAFF_SECRET", "STAFF_SESSION_SECRET"))
    # The sign-in page of the one service that signs staff in (it holds the staff file), e.g.
    # https://screening.staff.example.org/staff/login. Set: this service signs no one in (its
    # /staff/login sends people there, to come back after) and needs no staff file. Unset: it
    # signs people in itself, from the staff file.
    sign_in_url: str | None = Field(None, validation_alias="STAFF_SIGN_IN_URL")
    session_idle_minutes: float = Field(30, gt=0, validation_alias="STAFF_SESSION_IDLE_MINUTES")
    session_max_hours: float = Field(12, gt=0, validation_alias="STAFF_SESSION_MAX_HOURS")
    # The staff sign-in state every service reads and writes; see effective_staff_database_url.
    staff_database_url: str | None = Field(None, validation_alias="STAFF_DATABASE_URL")
    # Comma-separated addresses or networks (CIDR) of reverse proxies: only a request coming
    # straight from one of them has its client taken from X-Forwarded-For.
    trusted_proxies: str = Field("", validation_alias="TRUSTED_PROXIES")
    # The parent domain of the staff hosts (intake.<domain>, screening.<domain>, ...): the
    # session cookie is set for it so one sign-in holds on every service; empty: host-only
    cookie_domain: str = Field("", validation_alias="STAFF_COOKIE_DOMAIN")
    # Where the staff header's links lead (workspace.py): "intake=https://...,screening=..."
    # overrides; else https://<service>.<STAFF_COOKIE_DOMAIN>, else this host at each
    # service's port (`make run`)
    workspace_urls: str = Field("", validation_alias="STAFF_WORKSPACE_URLS")
    intake_port_for_links: int = Field(8001, validation_alias="INTAKE_PORT")
    screening_port_for_links: int = Field(8002, validation_alias="SCREENING_PORT")
    scheduling_port_for_links: int = Field(8003, validation_alias="SCHEDULING_PORT")
    notifications_port_for_links: int = Field(8004, validation_alias="NOTIFICATIONS_PORT")

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        parse_networks(value)  # a mistake stops the service at start, not at the first sign-in
        return value

    @field_validator("workspace_urls")
    @classmethod
    def _workspace_urls_parse(cls, value: str) -> str:
        from vod_shared.staff.workspace import parse_urls

        parse_urls(value)
        return value

    @field_validator("sign_in_url")
    @classmethod
    def _sign_in_url_is_absolute(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.username \
                or parts.password or parts.fragment:
            raise ValueError("STAFF_SIGN_IN_URL must be an absolute http(s) address, "
                             "e.g. https://screening.staff.example.org/staff/login")
        return value

    @model_validator(mode="after")
    def _sign_in_host_gets_the_cookie(self) -> "StaffSettings":
        domain = self.effective_cookie_domain()
        if self.sign_in_url and domain and not host_in_domain(
                urlsplit(self.sign_in_url).hostname, domain):
            raise ValueError("STAFF_SIGN_IN_URL must be on a host under STAFF_COOKIE_DOMAIN, "
                             "or its session cookie would not reach this service")
        return self

    def effective_cookie_domain(self) -> str | None:
        return self.cookie_domain.strip().lstrip(".").lower() or None

    def effective_staff_file(self) -> Path:
        return self.staff_file or self.data_dir / "staff.toml"

    def effective_staff_database_url(self) -> str:
        """``STAFF_DATABASE_URL``, else a SQLite file beside the staff file (``staff.toml`` ->
        ``staff.db``): by default ``$VOD_DATA_DIR/staff.db``, the same file for the services of
        one machine sharing ``VOD_DATA_DIR``, as under ``make run``."""
        if self.staff_database_url:
            return self.staff_database_url
        staff_file = self.effective_staff_file().resolve()
        path = (staff_file.with_suffix(".db") if staff_file.suffix != ".db"
                else staff_file.with_name(f"{staff_file.name}.state.db"))
        return f"sqlite+aiosqlite:///{path}"

    def trusted_proxy_networks(self) -> Networks:
        return parse_networks(self.trusted_proxies)

    def effective_session_secret(self) -> str:
        """This service's own secret (``STAFF_SECRET``, or by its old name
        ``STAFF_SESSION_SECRET``), else one kept in the data directory (made on first use). It
        signs this service's CSRF tokens only: another service need not know it."""
        if self.session_secret is not None:
            value = self.session_secret.get_secret_value()
            if len(value) < MIN_SECRET_LENGTH:
                raise ValueError(
                    f"STAFF_SECRET must be at least {MIN_SECRET_LENGTH} characters")
            return value
        return _secret_from_file(self.data_dir / SECRET_FILE_NAME)


def host_in_domain(host: str | None, domain: str) -> bool:
    """``host`` is ``domain`` or a host under it (``intake.staff.example.org`` under
    ``staff.example.org``; ``evilstaff.example.org`` is not)."""
    if not host or not domain:
        return False
    host, domain = host.lower().rstrip("."), domain.lower().lstrip(".").rstrip(".")
    return host == domain or host.endswith("." + domain)


def _secret_from_file(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(48))
        try:
            # link() refuses to replace: when four services start at once, the first one wins
            # and the others read its secret.
            os.link(temp, path)
            log.warning("staff.session_secret.generated", path=str(path),
                        hint="set STAFF_SECRET in a deployment")
        except FileExistsError:
            pass
        finally:
            temp.unlink()
    value = path.read_text().strip()
    if len(value) < MIN_SECRET_LENGTH:
        raise ValueError(f"{path} holds no usable session secret")
    return value
