"""The webhook's wire format, exactly as docs/contract.md gives it. Unknown fields are refused."""
import re
from typing import Literal
from zoneinfo import ZoneInfo

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, field_validator

from vod_shared.events import Channel, CustodyNoticeKind, Language, Relationship, RequestSource
from vod_shared.problems import Problem

from intake.adapters.time_zones import is_time_zone
from intake.domain.commands import RegisterForCustodyNotices, Requester, RequestDialogue

US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH"
    " NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI".split()
)
OUTSIDE_US = "XX"
CDCR_NUMBER = re.compile(r"^(?:[A-Z]\d{5}|[A-Z]{2}\d{4})$")
# An addr-spec as HTML's email inputs take it (WHATWG): no commas, semicolons, angle brackets,
# quotes or spaces, so one field can only ever name one mailbox.
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
                   r"[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


def normal_phone(value: str) -> str:
    """E.164 after normalising: a US number may be written the usual US ways."""
    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normal_contact(kind: str, value: str) -> str:
    """A new email or phone from her page, as the request form would take it; else ValueError."""
    value = value.strip()
    if kind == "phone":
        return normal_phone(value)
    if kind == "email" and EMAIL.match(value) and len(value) <= 254:
        return value
    raise ValueError("not an email address")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RequesterIn(_Strict):
    given_name: str | None = Field(None, min_length=1, max_length=100)
    family_name: str | None = Field(None, min_length=1, max_length=100)
    relationship: Relationship
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=32)
    preferred_language: Language
    preferred_channel: Channel
    state: str | None = None
    time_zone: str | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not EMAIL.match(value):
            raise ValueError("not an email address")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None else normal_phone(value)

    @field_validator("state")
    @classmethod
    def _state(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.upper()
        if value != OUTSIDE_US and value not in US_STATES:
            raise ValueError("a two-letter US state code, or XX for outside the US")
        return value

    @field_validator("time_zone")
    @classmethod
    def _time_zone(cls, value: str | None) -> str | None:
        if value is not None and not is_time_zone(value):
            raise ValueError("an IANA time zone such as America/Los_Angeles")
        return value and ZoneInfo(value).key


class OffenderIn(_Strict):
    cdcr_number: str
    given_name: str | None = Field(None, max_length=100)
    family_name: str | None = Field(None, max_length=100)

    @field_validator("cdcr_number")
    @classmethod
    def _cdcr(cls, value: str) -> str:
        value = value.upper()
        if not CDCR_NUMBER.match(value):
            raise ValueError("one letter and five digits, or two letters and four digits")
        return value


class IntakeWebhookIn(_Strict):
    kind: Literal["dialogue_request", "custody_notification_registration"]
    requester: RequesterIn
    offender: OffenderIn
    notes: str | None = Field(None, max_length=4000)
    notify_on: list[CustodyNoticeKind] | None = None


class WebhookAccepted(BaseModel):
    case_id: str | None = None
    reference: str | None = Field(None, examples=["VOD-2026-000123"])
    registration_id: str | None = None


def to_command(payload: IntakeWebhookIn, *, source: RequestSource, webhook_id: str | None = None,
               confirmed: frozenset[str] | None = None):
    """The wire format as one of intake's commands; the program's rules are checked after.
    A partner or staff member spoke with the person, so what they give counts as proven; the
    public page's contact is proven only by its confirmation (``confirmed``)."""
    r = payload.requester
    requester = Requester(
        relationship=r.relationship, preferred_language=r.preferred_language,
        preferred_channel=r.preferred_channel, given_name=r.given_name,
        family_name=r.family_name, email=r.email, phone=r.phone, state=r.state,
        time_zone=r.time_zone,
    )
    if confirmed is None:
        confirmed = frozenset() if source is RequestSource.WEB_FORM else requester.contact_kinds()
    if payload.kind == "custody_notification_registration":
        return RegisterForCustodyNotices(
            requester=requester, cdcr_number=payload.offender.cdcr_number,
            notify_on=frozenset(payload.notify_on or ()), source=source, webhook_id=webhook_id,
            confirmed=confirmed)
    missing = [f"requester.{name}" for name in ("given_name", "family_name") if getattr(r, name) is None]
    if payload.notify_on is not None:
        missing.append("notify_on")
    if missing:
        raise Problem(422, "The request is not valid",
                      "A dialogue request needs the requester's given and family name;"
                      " notify_on belongs to registrations only.",
                      errors=[{"field": name, "detail": "required" if name != "notify_on"
                               else "only for custody_notification_registration"}
                              for name in missing])
    return RequestDialogue(
        requester=requester, cdcr_number=payload.offender.cdcr_number, source=source,
        offender_given_name=payload.offender.given_name,
        offender_family_name=payload.offender.family_name, notes=payload.notes,
        webhook_id=webhook_id, confirmed=confirmed,
    )
