"""Scheduling's settings: the only module that reads the environment."""
from typing import ClassVar

from pydantic import Field

from vod_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "scheduling"
    default_port: ClassVar[int] = 8003

    database_url: str | None = Field(None, validation_alias="SCHEDULING_DATABASE_URL")
    port: int = Field(8003, validation_alias="SCHEDULING_PORT")
