"""The public form's fields, read and checked all at once: every problem is named in one answer,
in the reader's language, each saying what is expected (an empty form took three submissions).

The program's rules are the domain's (``intake.domain.rules``), each tried on its own here; the
door checks them again before anything is kept.
"""
from dataclasses import dataclass, field

from pydantic import ValidationError

from vod_shared.events import Channel, CustodyNoticeKind, Relationship

from intake.domain import rules
from intake.domain.errors import InvalidRequest
from intake.entrypoints.i18n import TEXT
from intake.entrypoints.schemas import IntakeWebhookIn

DIALOGUE, REGISTRATION = "dialogue_request", "custody_notification_registration"
REQUESTER_FIELDS = ("given_name", "family_name", "relationship", "email", "phone",
                    "preferred_language", "preferred_channel", "state")
OFFENDER_FIELDS = {"cdcr_number": "cdcr_number", "offender_given_name": "given_name",
                   "offender_family_name": "family_name"}
NOTICES = [kind.value for kind in CustodyNoticeKind]
# The form's order, so that the list of problems reads as the page does.
ORDER = ("kind", "given_name", "family_name", "relationship", "email", "phone",
         "preferred_channel", "preferred_language", "state", "cdcr_number", "offender_given_name",
         "offender_family_name", "notify_on", "notes")
# What each field expects, in the reader's words (i18n keys).
EXPECTED = {"given_name": "expect_given_name", "family_name": "expect_family_name",
            "relationship": "expect_relationship", "email": "expect_email",
            "phone": "expect_phone", "state": "expect_state", "cdcr_number": "expect_cdcr",
            "offender_given_name": "expect_short_name", "offender_family_name": "expect_short_name",
            "notes": "expect_notes", "notify_on": "expect_notices"}


@dataclass
class PostedForm:
    values: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    also_register: bool = False

    @property
    def kind(self) -> str:
        return self.values.get("kind") or DIALOGUE

    @property
    def notices_wanted(self) -> list[str]:
        """The custody notices to register for: a registration's, or a dialogue requester's
        when she ticked "also register"."""
        return self.notices if self.kind == REGISTRATION or self.also_register else []

    def shown(self) -> dict:
        """What to show again in the form."""
        return {**self.values, "notify_on": self.notices, "also_register": self.also_register}


def read_form(posted) -> PostedForm:
    values = {k: v.strip() for k, v in posted.items()
              if k not in ("csrf_token", "notify_on", "also_register")}
    return PostedForm(values, posted.getlist("notify_on"), posted.get("also_register") == "yes")


def payload(form: PostedForm) -> dict:
    """The form's flat fields in the webhook's shape; empty fields are absent."""
    values = form.values
    present = {name: values[name] for name in values if values[name]}
    body = {
        "kind": form.kind,
        "requester": {name: present[name] for name in REQUESTER_FIELDS if name in present},
        "offender": {wire: present[name] for name, wire in OFFENDER_FIELDS.items()
                     if name in present},
        "notes": present.get("notes"),
    }
    body["offender"].setdefault("cdcr_number", "")
    if form.kind == REGISTRATION:
        body["notify_on"] = form.notices
    return body


def form_name(field_path: str) -> str:
    """The form's name for a field of the webhook's shape (``requester.email`` -> ``email``)."""
    parts = field_path.split(".")
    if parts[0] == "offender":
        return {"cdcr_number": "cdcr_number", "given_name": "offender_given_name",
                "family_name": "offender_family_name"}.get(parts[1] if len(parts) > 1 else "",
                                                          "cdcr_number")
    return parts[1] if parts[0] == "requester" and len(parts) > 1 else parts[0]


def problems(form: PostedForm, lang: str) -> dict[str, str]:
    """Every problem with the form, by field, in the form's order; empty when it may be sent."""
    t, found = TEXT[lang], {}

    def add(name: str, key: str) -> None:
        found.setdefault(name, t[key])

    try:
        IntakeWebhookIn.model_validate(payload(form))
    except ValidationError as exc:
        for error in exc.errors():
            name = form_name(".".join(str(part) for part in error["loc"] if part != "notify_on")
                             or "notify_on")
            add(name, EXPECTED.get(name, "expect_choice"))
    if form.kind == DIALOGUE:
        for name in ("given_name", "family_name"):
            if not form.values.get(name):
                add(name, EXPECTED[name])
        if form.notices and not form.also_register:
            add("notify_on", "tick_also_register")
    for rule in _rules(form):
        try:
            rule()
        except InvalidRequest as exc:
            add(form_name(exc.field), exc.code)
    return {name: found[name] for name in sorted(found, key=_position)}


def _rules(form: PostedForm) -> list:
    """The program's rules that the values given so far can be held against, one by one."""
    relationship = _choice(Relationship, form.values.get("relationship"))
    channel = _choice(Channel, form.values.get("preferred_channel"))
    notices = frozenset(k for k in (_choice(CustodyNoticeKind, n) for n in form.notices_wanted) if k)
    checks = []
    if channel is not None:
        checks.append(lambda: rules.check_contact_for_channel(
            channel, email=form.values.get("email"), phone=form.values.get("phone")))
    registering = form.kind == REGISTRATION or form.also_register
    if relationship is not None:
        if form.kind == DIALOGUE:
            checks.append(lambda: rules.check_may_request_dialogue(relationship))
        if registering:
            checks.append(lambda: rules.check_may_register(relationship, notices))
    elif registering and not form.notices:
        checks.append(_no_notice_chosen)
    return checks


def _no_notice_chosen() -> None:
    raise InvalidRequest("Choose at least one kind of custody change to be told of.",
                         field="notify_on", code="choose_a_notice")


def _choice(kind, value):
    try:
        return kind(value) if value else None
    except ValueError:
        return None


def _position(name: str) -> int:
    return ORDER.index(name) if name in ORDER else len(ORDER)
