"""Intake's settings: the only module that reads the environment."""
from typing import ClassVar

from pydantic import Field

from vod_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "intake"
    default_port: ClassVar[int] = 8001

    database_url: str | None = Field(None, validation_alias="INTAKE_DATABASE_URL")
    port: int = Field(8001, validation_alias="INTAKE_PORT")
    # Several secrets, separated by spaces, so a partner's secret can be rotated without downtime.
    webhook_secrets: str = Field("", validation_alias="INTAKE_WEBHOOK_SECRET")
    webhook_max_body_bytes: int = Field(64 * 1024, validation_alias="INTAKE_WEBHOOK_MAX_BODY_BYTES")

    victim_link_secret: str = Field("", validation_alias="VICTIM_LINK_SECRET")
    victim_link_max_age_days: int = Field(60, validation_alias="VICTIM_LINK_MAX_AGE_DAYS")

    def webhook_secret_list(self) -> list[str]:
        return self.webhook_secrets.split()
