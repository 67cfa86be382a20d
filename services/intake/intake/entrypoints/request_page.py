"""``/request``: the public request page, in English and Spanish, without JavaScript.

It submits through the same validation and handlers as the partner webhook, but nothing happens
until the contact is proven (see ``service_layer/door.py``): the answer is a page that waits for
the code sent by text, or says to follow the link sent by email. Errors name each field in the
reader's language and keep what they typed; nothing they typed is logged.
"""
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from vod_shared.events import Channel, CustodyNoticeKind
from vod_shared.problems import Problem
from vod_shared.staff.csrf import CsrfTokens

from intake.adapters.door_post import NotSent
from intake.domain.errors import InvalidRequest
from intake.entrypoints.i18n import TEXT
from intake.entrypoints.pages import chosen_language, message, render
from intake.entrypoints.plain_forms import FormRefused, read_plain_form
from intake.entrypoints.schemas import IntakeWebhookIn
from intake.service_layer.door import Door, NotConfirmed, OverLimit

CSRF_COOKIE = "vod_form_csrf"
REQUESTER_FIELDS = ("given_name", "family_name", "relationship", "email", "phone",
                    "preferred_language", "preferred_channel", "state")
OFFENDER_FIELDS = {"cdcr_number": "cdcr_number", "offender_given_name": "given_name",
                   "offender_family_name": "family_name"}
NOTICES = [kind.value for kind in CustodyNoticeKind]


def request_page_router(*, door: Door, secret: str, phone: str,
                        max_body_bytes: int = 16 * 1024) -> APIRouter:
    router = APIRouter(tags=["public request page"])
    tokens = CsrfTokens(secret)

    def form(request: Request, lang: str, *, values=None, errors=None, status_code=200):
        nonce = request.cookies.get(CSRF_COOKIE) or tokens.new_nonce()
        response = render(request, "request_form.html", lang=lang, phone=phone,
                          status_code=status_code, values=values or {}, errors=errors or {},
                          notices=NOTICES, csrf_token=tokens.token_for(nonce))
        response.set_cookie(CSRF_COOKIE, nonce, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path="/")
        return response

    async def posted_form(request: Request, lang: str):
        """The posted fields, or a page saying why not: only a plain form (no multipart, no
        files), no larger than the cap, with the CSRF token bound to this browser's cookie."""
        try:
            posted = await read_plain_form(request, max_body_bytes)
        except FormRefused as refused:
            return None, message(request, lang=lang, phone=phone, heading_key="form_unreadable",
                                 status_code=refused.status_code)
        if not tokens.valid(posted.get("csrf_token"), request.cookies.get(CSRF_COOKIE)):
            return None, message(request, lang=lang, phone=phone, heading_key="link_invalid",
                                 status_code=403)
        return posted, None

    @router.get("/request", summary="The public request page (HTML)")
    async def show(request: Request):
        return form(request, chosen_language(request))

    @router.post("/request", summary="Submit the public request page (HTML form)")
    async def submit(request: Request):
        lang = chosen_language(request)
        posted, refused = await posted_form(request, lang)
        if refused:
            return refused
        values = {k: v.strip() for k, v in posted.items() if k not in ("csrf_token", "notify_on")}
        values["notify_on"] = posted.getlist("notify_on")
        is_dialogue = values.get("kind", "dialogue_request") == "dialogue_request"
        try:
            held = await door.hold(IntakeWebhookIn.model_validate(_payload(values)),
                                   also_notify_on=values["notify_on"] if is_dialogue else [],
                                   address=request.client.host if request.client else "")
        except ValidationError as exc:
            return form(request, lang, values=values, status_code=422,
                        errors=_errors([".".join(map(str, e["loc"])) for e in exc.errors()], lang))
        except Problem as exc:
            return form(request, lang, values=values, status_code=422,
                        errors=_errors([e["field"] for e in exc.errors or ()], lang))
        except InvalidRequest as exc:
            return form(request, lang, values=values, status_code=422,
                        errors={_form_name(exc.field): TEXT[lang][exc.code]})
        except OverLimit as over:
            return over_limit(request, lang=lang, phone=phone, retry_after=over.retry_after)
        except NotSent:
            return message(request, lang=lang, phone=phone, heading_key="not_sent_title",
                           paragraph_keys=("not_sent",), status_code=503)
        # Answered with a new address, so that a refresh cannot send the form again.
        return RedirectResponse(f"/request/pending/{held.pending_id}?lang={lang}", status_code=303)

    @router.get("/request/pending/{pending_id}", summary="Waiting for the contact's confirmation")
    async def pending(request: Request, pending_id: str):
        lang = chosen_language(request)
        found = await door.channel_of(pending_id)
        if found is None:
            return message(request, lang=lang, phone=phone, heading_key="pending_gone_title",
                           paragraph_keys=("pending_gone",), status_code=404)
        return code_page(request, lang, pending_id, sms=found[0] is Channel.SMS)

    def code_page(request: Request, lang: str, pending_id: str, *, sms: bool, error=None,
                  status_code: int = 200):
        nonce = request.cookies.get(CSRF_COOKIE) or tokens.new_nonce()
        response = render(request, "pending.html", lang=lang, phone=phone, sms=sms,
                          pending_id=pending_id, error=error, status_code=status_code,
                          csrf_token=tokens.token_for(nonce))
        response.set_cookie(CSRF_COOKIE, nonce, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path="/")
        return response

    @router.post("/request/pending/{pending_id}", summary="Enter the code sent by text message")
    async def enter_code(request: Request, pending_id: str):
        lang = chosen_language(request)
        posted, refused = await posted_form(request, lang)
        if refused:
            return refused
        try:
            await door.confirm_code(pending_id, posted.get("code") or "")
        except NotConfirmed as no:
            if no.reason == "wrong_code":
                return code_page(request, lang, pending_id, sms=True, status_code=422,
                                 error=TEXT[lang]["code_wrong"].format(left=no.attempts_left))
            key = "code_too_many" if no.reason == "too_many" else "pending_gone"
            return message(request, lang=lang, phone=phone, heading_key="pending_gone_title",
                           paragraph_keys=(key,), status_code=410)
        return RedirectResponse(f"/request/confirmed?lang={lang}", status_code=303)

    @router.get("/confirm/{token}", summary="The link in the confirmation email (shows a button)")
    async def confirm_page(request: Request, token: str):
        # Mail scanners follow links: opening it changes nothing; the button confirms.
        return render(request, "confirm.html", lang=chosen_language(request), phone=phone,
                      token=token)

    @router.post("/confirm/{token}", summary="Confirm the request (the button on that page)")
    async def confirm(request: Request, token: str):
        lang = chosen_language(request)
        try:
            lang = await door.confirm_link(token)
        except NotConfirmed:
            return message(request, lang=lang, phone=phone, heading_key="pending_gone_title",
                           paragraph_keys=("pending_gone",), status_code=410)
        return RedirectResponse(f"/request/confirmed?lang={lang}", status_code=303)

    @router.get("/request/confirmed", summary="Thank you: the request is made")
    async def confirmed(request: Request):
        # The reference is not shown here: a request matching an open case answers with that
        # case. It goes, with the acknowledgement, to the contact just proven.
        return message(request, lang=chosen_language(request), phone=phone,
                       heading_key="done_title", paragraph_keys=("done_confirmed",))

    return router


def over_limit(request: Request, *, lang: str, phone: str, retry_after: int):
    """429 in the page's language, with ``Retry-After`` (RFC 9110)."""
    response = message(request, lang=lang, phone=phone, heading_key="too_many_title",
                       paragraph_keys=("too_many",), status_code=429,
                       minutes=max(1, -(-retry_after // 60)))
    response.headers["Retry-After"] = str(retry_after)
    return response


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
