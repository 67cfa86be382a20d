"""Scheduling's settings: the only module that reads the environment."""
from typing import ClassVar

from pydantic import Field

from vod_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "scheduling"
    default_port: ClassVar[int] = 8003

    database_url: str | None = Field(None, validation_alias="SCHEDULING_DATABASE_URL")
    port: int = Field(8003, validation_alias="SCHEDULING_PORT")
    # How often the loop looks for surveys and travel warnings that have come due.
    due_work_interval_s: float = Field(30.0, gt=0,
                                       validation_alias="SCHEDULING_DUE_WORK_INTERVAL_S")
