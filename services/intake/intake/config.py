"""Intake's settings: the only module that reads the environment."""
from typing import ClassVar

from pydantic import Field

from vod_shared.settings import OutboundSettings, ServiceSettings


class Settings(ServiceSettings, OutboundSettings):
    """The door sends its own confirmations and codes, through the same mail server and SMS
    provider as notifications (``OutboundSettings``: the same variables)."""

    service_name: ClassVar[str] = "intake"
    default_port: ClassVar[int] = 8001

    database_url: str | None = Field(None, validation_alias="INTAKE_DATABASE_URL")
    port: int = Field(8001, validation_alias="INTAKE_PORT")
    # Several secrets, separated by spaces, so a partner's secret can be rotated without downtime.
    webhook_secrets: str = Field("", validation_alias="INTAKE_WEBHOOK_SECRET")
    webhook_max_body_bytes: int = Field(64 * 1024, validation_alias="INTAKE_WEBHOOK_MAX_BODY_BYTES")

    victim_link_secret: str = Field("", validation_alias="VICTIM_LINK_SECRET")
    victim_link_max_age_days: int = Field(30, ge=1, le=30, validation_alias="VICTIM_LINK_MAX_AGE_DAYS")

    # The public door (see README, "The public door").
    public_base_url: str = Field("http://localhost:8001", validation_alias="PUBLIC_BASE_URL")
    public_form_max_bytes: int = Field(16 * 1024, ge=1024, validation_alias="PUBLIC_FORM_MAX_BYTES")
    limit_per_address_per_hour: int = Field(10, ge=1, validation_alias="DOOR_LIMIT_PER_ADDRESS_PER_HOUR")
    limit_per_contact_per_day: int = Field(3, ge=1, validation_alias="DOOR_LIMIT_PER_CONTACT_PER_DAY")
    limit_per_contact_all_per_day: int = Field(
        5, ge=1, validation_alias="DOOR_LIMIT_PER_CONTACT_ALL_PER_DAY")
    limit_per_cdcr_per_day: int = Field(20, ge=1, validation_alias="DOOR_LIMIT_PER_CDCR_PER_DAY")
    limit_sms_per_number_per_day: int = Field(10, ge=1,
                                              validation_alias="DOOR_LIMIT_SMS_PER_NUMBER_PER_DAY")
    limit_page_codes_per_contact_per_day: int = Field(
        10, ge=1, validation_alias="DOOR_LIMIT_PAGE_CODES_PER_CONTACT_PER_DAY")
    due_work_interval_s: float = Field(30.0, gt=0, validation_alias="INTAKE_DUE_WORK_INTERVAL_S")
    # Retention: a requester is erased this many days after the last of her cases was closed
    # (all ended, no custody notices still wanted). Unset: never on its own.
    erase_after_closed_days: int | None = Field(None, ge=1,
                                                validation_alias="ERASE_AFTER_CLOSED_DAYS")

    def webhook_secret_list(self) -> list[str]:
        return self.webhook_secrets.split()
