"""``/v/<token>``: her own page, reached from the link in her messages.

Opening it changes nothing (mail scanners follow links). Each change is a form; it is made
only once she enters the one-time code sent to her (see ``service_layer/her_page.py``).
Works without JavaScript; every page has the quick exit.
"""
import re
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from vod_shared.db import as_utc
from vod_shared.victim_links import LinkExpired, LinkInvalid, VictimLinks

from intake.adapters.door_post import NotSent
from intake.domain.errors import CaseStepRefused, InvalidRequest
from intake.entrypoints.i18n import TEXT
from intake.entrypoints.pages import chosen_language, message, render
from intake.entrypoints.plain_forms import FormRefused, read_plain_form
from intake.entrypoints.request_page import NOTICES, over_limit
from intake.entrypoints.schemas import normal_contact
from intake.service_layer.door import NotConfirmed, OverLimit
from intake.domain.door import CASE_STEPS
from intake.service_layer.her_page import CodeSent, HerPage

HH_MM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
ZONES = ("America/Los_Angeles", "America/Denver", "America/Phoenix", "America/Chicago",
         "America/New_York", "America/Anchorage", "Pacific/Honolulu", "America/Puerto_Rico",
         "America/Mexico_City", "America/Tijuana")


# What her page may say at its top after a change that moved her to a new address
DONE_NOTICES = ("links_taken_back",)
NOTICE_FOR = timedelta(minutes=10)


def victim_router(*, page: HerPage, links: VictimLinks, phone: str,
                  max_body_bytes: int = 16 * 1024) -> APIRouter:
    router = APIRouter(prefix="/v", tags=["victim's page"])

    async def load(request: Request, token: str):
        lang = chosen_language(request)
        try:
            link = links.read(token)
        except (LinkExpired, LinkInvalid) as exc:
            key = "link_expired" if isinstance(exc, LinkExpired) else "link_invalid"
            return None, None, message(request, lang=lang, phone=phone, heading_key=key,
                                       status_code=410 if key == "link_expired" else 404)
        seen = await page.view(link)
        # A link that went to an address she has since replaced opens nothing, however new
        # (notifications may have sent it before it learnt of the change)
        if seen is None or not links.still_theirs(link, seen.details.get("email")):
            return None, None, message(request, lang=lang, phone=phone,
                                       heading_key="link_invalid", status_code=404)
        return link, seen, None

    def lang_of(request: Request, seen) -> str:
        return chosen_language(request, seen.language)

    def show_page(request: Request, token: str, seen, *, error: str | None = None,
                  notice: str | None = None, status_code: int = 200):
        return render(request, "her_page.html", lang=lang_of(request, seen), phone=phone,
                      token=token, home=f"/v/{token}", seen=seen, notices=NOTICES, zones=ZONES,
                      error=error, notice=notice,
                      case_steps=CASE_STEPS, status_code=status_code,
                      local=lambda moment: as_utc(moment).astimezone(seen.zone))

    async def form_of(request: Request, lang: str):
        try:
            return await read_plain_form(request, max_body_bytes), None
        except FormRefused as refused:
            return None, message(request, lang=lang, phone=phone, heading_key="form_unreadable",
                                 status_code=refused.status_code)

    @router.get("/{token}", summary="Her page: her case, her messages, her choices")
    async def show(request: Request, token: str, done: str | None = None):
        link, seen, problem = await load(request, token)
        if problem:
            return problem
        # What a change just did, said at the top (only the words known here) while the link
        # it moved her to is new: not on every visit of an address she saved with it
        just_made = link.issued_at > page.now() - NOTICE_FOR
        notice = (TEXT[lang_of(request, seen)].get(done)
                  if done in DONE_NOTICES and just_made else None)
        return show_page(request, token, seen, notice=notice)

    @router.post("/{token}/ask", summary="Ask for a change; a one-time code is sent to her")
    async def ask(request: Request, token: str):
        link, seen, problem = await load(request, token)
        if problem:
            return problem
        lang = lang_of(request, seen)
        posted, refused = await form_of(request, lang)
        if refused:
            return refused
        t = TEXT[lang]
        try:
            change = _change(posted)
            sent = await page.ask(link, change, seen)
        except ValueError as bad:  # InvalidRequest is a ValueError too
            code = getattr(bad, "code", "field_invalid")
            return show_page(request, token, seen, error=t.get(code, t["field_invalid"]),
                             status_code=422)
        except OverLimit as over:
            return over_limit(request, lang=lang, phone=phone, retry_after=over.retry_after)
        except NotSent:
            return message(request, lang=lang, phone=phone, heading_key="not_sent_title",
                           paragraph_keys=("not_sent",), status_code=503)
        return code_page(request, token, lang, sent)

    def code_page(request: Request, token: str, lang: str, sent: CodeSent, *,
                  error: str | None = None, status_code: int = 200):
        return render(request, "her_code.html", lang=lang, phone=phone, token=token,
                      home=f"/v/{token}",
                      change_id=sent.change_id, to_kind=sent.to_kind, error=error,
                      status_code=status_code)

    @router.post("/{token}/code", summary="Enter the one-time code: the change is made")
    async def enter_code(request: Request, token: str):
        link, seen, problem = await load(request, token)
        if problem:
            return problem
        lang = lang_of(request, seen)
        posted, refused = await form_of(request, lang)
        if refused:
            return refused
        change_id = posted.get("change_id") or ""
        try:
            outcome = await page.confirm(link, change_id, posted.get("code") or "", seen)
        except NotConfirmed as no:
            if no.reason == "wrong_code":
                return code_page(request, token, lang, CodeSent(change_id, posted.get("to") or ""),
                                 status_code=422,
                                 error=TEXT[lang]["code_wrong"].format(left=no.attempts_left))
            return message(request, lang=lang, phone=phone, heading_key="code_gone",
                           status_code=410)
        except (CaseStepRefused, InvalidRequest):
            return message(request, lang=lang, phone=phone, heading_key="not_now", status_code=409)
        except OverLimit as over:
            return over_limit(request, lang=lang, phone=phone, retry_after=over.retry_after)
        except NotSent:
            return message(request, lang=lang, phone=phone, heading_key="not_sent_title",
                           paragraph_keys=("not_sent",), status_code=503)
        if isinstance(outcome, CodeSent):
            return code_page(request, token, lang, outcome)
        if outcome.links_taken_back:
            # This link too: she goes on at a new address, which her browser then shows
            fresh = links.token(link.case_id, link.person_id)
            return RedirectResponse(f"/v/{fresh}?lang={lang}&done=links_taken_back",
                                    status_code=303)
        after = await page.view(link)
        lang = chosen_language(request, after.language if after else lang)
        return render(request, "message.html", lang=lang, phone=phone, home=f"/v/{token}",
                      heading=TEXT[lang][f"changed_{outcome.what}"], paragraphs=[],
                      back=f"/v/{token}?lang={lang}")

    @router.post("/{token}/sign-out", summary="Sign out everywhere: every link to her page stops")
    async def sign_out(request: Request, token: str):
        link, seen, problem = await load(request, token)
        if problem:
            return problem
        await page.sign_out_everywhere(link)
        return message(request, lang=lang_of(request, seen), phone=phone, home="/request",
                       heading_key="signed_out_title", paragraph_keys=("signed_out",))

    return router


def _change(posted) -> dict:
    """The change a form on her page asks for, checked for shape; the rules are checked after."""
    what = posted.get("what") or ""
    if what == "preferences":
        change = {"what": what, "channel": posted.get("channel"),
                  "language": posted.get("language"), "time_zone": posted.get("time_zone") or None}
        start, end = posted.get("quiet_start") or "", posted.get("quiet_end") or ""
        if start or end:
            if not (HH_MM.match(start) and HH_MM.match(end)):
                raise ValueError("quiet hours as HH:MM")
            change["quiet_hours"] = {"start": start, "end": end}
        return change
    if what == "contact":
        kind = posted.get("kind")
        return {"what": what, "kind": kind, "value": normal_contact(kind or "",
                                                                    posted.get("value") or "")}
    if what == "notices":
        return {"what": what, "registration_id": posted.get("registration_id"),
                "notify_on": [k for k in posted.getlist("notify_on") if k in NOTICES]}
    if what == "cancel_registration":
        return {"what": what, "registration_id": posted.get("registration_id")}
    if what in CASE_STEPS:
        return {"what": what, "case_id": posted.get("case_id")}
    raise ValueError("unknown change")
