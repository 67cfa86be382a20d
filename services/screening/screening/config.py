"""Screening's settings: the only module that reads the environment."""
from typing import ClassVar

from pydantic import Field

from vod_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "screening"
    default_port: ClassVar[int] = 8002

    database_url: str | None = Field(None, validation_alias="SCREENING_DATABASE_URL")
    port: int = Field(8002, validation_alias="SCREENING_PORT")
