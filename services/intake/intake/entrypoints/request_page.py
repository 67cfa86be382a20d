"""``/request``: the public request page, in English and Spanish, without JavaScript.

It submits through the same validation and handlers as the partner webhook. Errors name each
field in the reader's language and keep what they typed; nothing they typed is logged.
"""
from fastapi import APIRouter, Request
from pydantic import ValidationError

from vod_shared.events import CustodyNoticeKind, RequestSource
from vod_shared.problems import Problem
from vod_shared.staff.csrf import CsrfTokens

from intake.domain.commands import RegisterForCustodyNotices
from intake.domain.errors import InvalidRequest
from intake.entrypoints.i18n import TEXT
from intake.entrypoints.pages import chosen_language, message, render
from intake.entrypoints.schemas import IntakeWebhookIn, to_command

CSRF_COOKIE = "vod_form_csrf"
REQUESTER_FIELDS = ("given_name", "family_name", "relationship", "email", "phone",
                    "preferred_language", "preferred_channel", "state")
OFFENDER_FIELDS = {"cdcr_number": "cdcr_number", "offender_given_name": "given_name",
                   "offender_family_name": "family_name"}
NOTICES = [kind.value for kind in CustodyNoticeKind]


def request_page_router(*, intake, secret: str, phone: str) -> APIRouter:
    router = APIRouter(tags=["public request page"])
    tokens = CsrfTokens(secret)

    def form(request: Request, lang: str, *, values=None, errors=None, status_code=200):
        nonce = request.cookies.get(CSRF_COOKIE) or tokens.new_nonce()
        response = render(request, "request_form.html", lang=lang, phone=phone,
                          status_code=status_code, values=values or {}, errors=errors or {},
                          notices=NOTICES, csrf_token=tokens.token_for(nonce))
        response.set_cookie(CSRF_COOKIE, nonce, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path="/request")
        return response

    @router.get("/request", summary="The public request page (HTML)")
    async def show(request: Request):
        return form(request, chosen_language(request))

    @router.post("/request", summary="Submit the public request page (HTML form)")
    async def submit(request: Request):
        lang = chosen_language(request)
        posted = await request.form()
        if not tokens.valid(posted.get("csrf_token"), request.cookies.get(CSRF_COOKIE)):
            return message(request, lang=lang, phone=phone, heading_key="link_invalid",
                           status_code=403)
        values = {k: v.strip() for k, v in posted.items() if k not in ("csrf_token", "notify_on")}
        values["notify_on"] = posted.getlist("notify_on")
        try:
            command = to_command(IntakeWebhookIn.model_validate(_payload(values)),
                                 source=RequestSource.WEB_FORM)
            accepted = await intake.handle(command)
        except ValidationError as exc:
            return form(request, lang, values=values, status_code=422,
                        errors=_errors([".".join(map(str, e["loc"])) for e in exc.errors()], lang))
        except Problem as exc:
            return form(request, lang, values=values, status_code=422,
                        errors=_errors([e["field"] for e in exc.errors or ()], lang))
        except InvalidRequest as exc:
            return form(request, lang, values=values, status_code=422,
                        errors={_form_name(exc.field): TEXT[lang][exc.code]})
        if isinstance(command, RegisterForCustodyNotices):
            return message(request, lang=lang, phone=phone, heading_key="done_title",
                           paragraph_keys=("done_registration",))
        # The reference is not shown here: a request matching an open case answers with that
        # case, and anyone knowing a CDCR number and a victim's phone could learn it exists.
        # It goes, with the acknowledgement, to the contact given.
        return message(request, lang=lang, phone=phone, heading_key="done_title",
                       paragraph_keys=("done_dialogue",))

    return router


def _payload(values: dict) -> dict:
    """The form's flat fields in the webhook's shape; empty fields are absent."""
    def present(name: str):
        return values.get(name) or None

    is_registration = values.get("kind") == "custody_notification_registration"
    payload = {
        "kind": values.get("kind") or "dialogue_request",
        "requester": {name: present(name) for name in REQUESTER_FIELDS if present(name)},
        "offender": {wire: present(name) for name, wire in OFFENDER_FIELDS.items() if present(name)},
        "notes": present("notes"),
    }
    payload["offender"].setdefault("cdcr_number", "")
    if is_registration:
        payload["notify_on"] = values.get("notify_on") or []
    return payload


def _form_name(field: str) -> str:
    parts = field.split(".")
    if parts[0] == "offender":
        return {"cdcr_number": "cdcr_number", "given_name": "offender_given_name",
                "family_name": "offender_family_name"}.get(parts[-1], "cdcr_number")
    return parts[1] if parts[0] == "requester" and len(parts) > 1 else parts[0]


def _errors(fields: list[str], lang: str) -> dict[str, str]:
    t = TEXT[lang]
    return {_form_name(f): t["field_required"] if f.endswith(("given_name", "family_name"))
            else t["field_invalid"] for f in fields}
