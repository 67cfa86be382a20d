"""Screening's settings: the only module that reads the environment."""
from typing import ClassVar

from pydantic import Field

from vod_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "screening"
    default_port: ClassVar[int] = 8002

    database_url: str | None = Field(None, validation_alias="SCREENING_DATABASE_URL")
    port: int = Field(8002, validation_alias="SCREENING_PORT")
    # The corrections department's custody feed. Several secrets, separated by spaces, so the
    # secret can be rotated without downtime.
    custody_webhook_secrets: str = Field("", validation_alias="CUSTODY_WEBHOOK_SECRET")
    custody_webhook_max_body_bytes: int = Field(
        16 * 1024, validation_alias="CUSTODY_WEBHOOK_MAX_BODY_BYTES")

    def custody_webhook_secret_list(self) -> list[str]:
        return self.custody_webhook_secrets.split()
