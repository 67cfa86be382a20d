"""``/request``: the public request page, in English and Spanish, without JavaScript.

It submits through the same validation and handlers as the partner webhook, but nothing happens
until the contact is proven (see ``service_layer/door.py``): the answer is a page that waits for
the code sent by text, or says to follow the link sent by email. Errors name each field in the
reader's language and keep what they typed; nothing they typed is logged.
"""
import hashlib
import hmac
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from vod_shared.events import Channel
from vod_shared.problems import Problem
from vod_shared.staff.csrf import CsrfTokens

from intake.adapters.door_post import NotSent
from intake.domain.errors import InvalidRequest
from intake.entrypoints.i18n import TEXT
from intake.entrypoints.pages import chosen_language, message, render
from intake.entrypoints.plain_forms import FormRefused, read_plain_form
from intake.entrypoints.request_form import NOTICES, form_name, payload, problems, read_form
from intake.entrypoints.schemas import IntakeWebhookIn
from intake.service_layer.door import Door, Made, NotConfirmed, OverLimit

CSRF_COOKIE = "vod_form_csrf"


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
        filled = read_form(posted)
        errors = problems(filled, lang)
        if errors:  # all of them at once, each saying what is expected
            return form(request, lang, values=filled.shown(), errors=errors,
                        status_code=422)
        try:
            held = await door.hold(IntakeWebhookIn.model_validate(payload(filled)),
                                   also_notify_on=filled.notices_wanted
                                   if filled.kind == "dialogue_request" else [],
                                   address=request.client.host if request.client else "")
        except InvalidRequest as exc:  # the checks above name every problem; this is a backstop
            return form(request, lang, values=filled.shown(), status_code=422,
                        errors={form_name(exc.field): TEXT[lang][exc.code]})
        except (ValidationError, Problem):
            return form(request, lang, values=filled.shown(), status_code=422,
                        errors={"kind": TEXT[lang]["field_invalid"]})
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
            made = await door.confirm_code(pending_id, posted.get("code") or "")
        except NotConfirmed as no:
            if no.reason == "wrong_code":
                return code_page(request, lang, pending_id, sms=True, status_code=422,
                                 error=TEXT[lang]["code_wrong"].format(left=no.attempts_left))
            key = "code_too_many" if no.reason == "too_many" else "pending_gone"
            return message(request, lang=lang, phone=phone, heading_key="pending_gone_title",
                           paragraph_keys=(key,), status_code=410)
        return RedirectResponse(confirmed_at(made, secret), status_code=303)

    @router.get("/confirm/{token}", summary="The link in the confirmation email (shows a button)")
    async def confirm_page(request: Request, token: str):
        # Mail scanners follow links: opening it changes nothing; the button confirms.
        return render(request, "confirm.html", lang=chosen_language(request), phone=phone,
                      token=token)

    @router.post("/confirm/{token}", summary="Confirm the request (the button on that page)")
    async def confirm(request: Request, token: str):
        lang = chosen_language(request)
        try:
            made = await door.confirm_link(token)
        except NotConfirmed:
            return message(request, lang=lang, phone=phone, heading_key="pending_gone_title",
                           paragraph_keys=("pending_gone",), status_code=410)
        return RedirectResponse(confirmed_at(made, secret), status_code=303)

    @router.get("/request/confirmed", summary="Thank you: what was made, and what happens next")
    async def confirmed(request: Request, made: str = "", sig: str = ""):
        # The reference is not shown here: a request matching an open case answers with that
        # case. It goes, with the acknowledgement, to the contact just proven. What was made is
        # shown only as the confirmation signed it, so no link can say otherwise.
        lang = chosen_language(request)
        shown = _read_made(made, sig, secret)
        t = TEXT[lang]
        notices = ", ".join(t["notice_" + kind] for kind in NOTICES if shown and kind in shown[1])
        return render(request, "confirmed.html", lang=lang, phone=phone, made=shown,
                      notices=notices)

    return router


def over_limit(request: Request, *, lang: str, phone: str, retry_after: int):
    """429 in the page's language, with ``Retry-After`` (RFC 9110)."""
    response = message(request, lang=lang, phone=phone, heading_key="too_many_title",
                       paragraph_keys=("too_many",), status_code=429,
                       minutes=max(1, -(-retry_after // 60)))
    response.headers["Retry-After"] = str(retry_after)
    return response


def confirmed_at(made: Made, secret: str) -> str:
    """The confirmation page's address, naming what was made (no personal data), signed."""
    summary = ".".join(("dialogue" if made.dialogue else "registration", *made.notices))
    return "/request/confirmed?" + urlencode({"lang": made.language, "made": summary,
                                              "sig": _signature(summary, secret)})


def _signature(summary: str, secret: str) -> str:
    return hmac.new(secret.encode(), f"request-confirmed:{summary}".encode(),
                    hashlib.sha256).hexdigest()[:32]


def _read_made(summary: str, sig: str, secret: str) -> tuple[bool, frozenset[str]] | None:
    """(a dialogue?, the kinds of notice) from a signed summary; None when it is not one."""
    if not summary or not hmac.compare_digest(sig, _signature(summary, secret)):
        return None
    what, *notices = summary.split(".")
    return what == "dialogue", frozenset(notices)
