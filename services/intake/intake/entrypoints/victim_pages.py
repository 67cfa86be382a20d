"""``/v/<token>``: the victim's own link to pause, resume or withdraw their request.

Opening the link changes nothing (mail scanners follow links); each change is a button, and
withdrawing asks once more. The signed token is itself what makes a POST legitimate.
"""
from typing import Annotated

from fastapi import APIRouter, Form, Request

from vod_shared.events import ActedBy
from vod_shared.victim_links import LinkExpired, LinkInvalid, VictimLinks

from intake.domain.commands import ChangeCase
from intake.domain.errors import CaseStepRefused
from intake.domain.model import Hold
from intake.entrypoints.pages import chosen_language, message, render
from intake.service_layer import views

ACTIONS = ("pause", "resume", "withdraw")


def victim_router(*, intake, links: VictimLinks, phone: str) -> APIRouter:
    router = APIRouter(prefix="/v", tags=["victim links"], include_in_schema=True)

    async def load(request: Request, token: str):
        try:
            link = links.read(token)
        except (LinkExpired, LinkInvalid) as exc:
            key = "link_expired" if isinstance(exc, LinkExpired) else "link_invalid"
            lang = chosen_language(request)
            return None, message(request, lang=lang, phone=phone, heading_key=key,
                                 status_code=410 if key == "link_expired" else 404)
        async with intake.runtime.uow() as uow:
            found = await views.victim_case(uow, intake.context.vault, case_id=link.case_id,
                                            person_id=link.person_id)
        if found is None:
            return None, message(request, lang=chosen_language(request), phone=phone,
                                 heading_key="link_invalid", status_code=404)
        case, preferred = found
        return (case, chosen_language(request, preferred)), None

    @router.get("/{token}", summary="The victim's page for their request")
    async def show(request: Request, token: str):
        loaded, problem = await load(request, token)
        if problem:
            return problem
        (case, lang) = loaded
        return render(request, "victim_case.html", lang=lang, phone=phone, token=token,
                      **_case_view(case))

    @router.post("/{token}", summary="Pause, resume or withdraw (a button on that page)")
    async def act(request: Request, token: str, action: Annotated[str, Form()],
                  confirm: Annotated[str | None, Form()] = None):
        loaded, problem = await load(request, token)
        if problem:
            return problem
        (case, lang) = loaded
        if action not in ACTIONS:
            return message(request, lang=lang, phone=phone, heading_key="not_now", status_code=400)
        if action == "withdraw" and confirm != "yes":
            return render(request, "victim_case.html", lang=lang, phone=phone, token=token,
                          confirm_withdraw=True, **_case_view(case))
        try:
            await intake.handle(ChangeCase(case_id=case.case_id, action=action, by=ActedBy.VICTIM))
        except CaseStepRefused:
            return message(request, lang=lang, phone=phone, heading_key="not_now", status_code=409)
        return message(request, lang=lang, phone=phone, heading_key=f"done_{action}")

    return router


def _case_view(case) -> dict:
    status = "open" if case.is_open and Hold.VICTIM not in case.holds else case.status.value
    return {"reference": case.reference, "status": status,
            "victim_paused": Hold.VICTIM in case.holds, "held_by_program": case.held_by_program}
