"""Notifications's settings: the only module that reads the environment."""
from typing import ClassVar

from pydantic import Field

from vod_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "notifications"
    default_port: ClassVar[int] = 8004

    database_url: str | None = Field(None, validation_alias="NOTIFICATIONS_DATABASE_URL")
    port: int = Field(8004, validation_alias="NOTIFICATIONS_PORT")
