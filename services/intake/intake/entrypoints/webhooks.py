"""``POST /webhooks/requests``: a partner's form, signed by the Standard Webhooks scheme."""
import json
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from vod_shared.events import RequestSource
from vod_shared.problems import Problem, field_errors
from vod_shared.webhooks import read_signed_body

from intake.domain.commands import Requester, RequestDialogue
from intake.domain.errors import InvalidRequest
from intake.entrypoints.schemas import DialogueAccepted, IntakeWebhookIn


def webhook_router(*, secrets: list[str], max_body_bytes: int, request_dialogue: Callable) -> APIRouter:
    router = APIRouter(tags=["webhooks"])

    @router.post(
        "/webhooks/requests", status_code=202, response_model=DialogueAccepted,
        summary="A dialogue request or a custody-notification registration from a partner",
        openapi_extra={"requestBody": {"required": True, "content": {
            "application/json": {"schema": IntakeWebhookIn.model_json_schema()}}}},
    )
    async def receive_request(request: Request) -> JSONResponse:
        webhook_id, body = await read_signed_body(request, secrets, max_bytes=max_body_bytes)
        payload = _parse(body)
        if payload.kind != "dialogue_request":
            raise Problem(501, "Not accepted yet",
                          "Custody-notification registrations are not accepted here yet.")
        try:
            accepted = await request_dialogue(_to_command(payload, webhook_id))
        except InvalidRequest as exc:
            raise Problem(422, "The request cannot be accepted", exc.detail,
                          errors=[{"field": exc.field, "detail": exc.detail}]) from None
        return JSONResponse(accepted.body, status_code=accepted.status_code)

    return router


def _parse(body: bytes) -> IntakeWebhookIn:
    try:
        return IntakeWebhookIn.model_validate(json.loads(body))
    except json.JSONDecodeError:
        raise Problem(400, "Malformed JSON", "The body is not valid JSON.") from None
    except ValidationError as exc:
        raise Problem(422, "The request is not valid",
                      "Some fields are missing or wrong; each is named below.",
                      errors=field_errors(exc.errors())) from None


def _to_command(payload: IntakeWebhookIn, webhook_id: str) -> RequestDialogue:
    r = payload.requester
    for field in ("given_name", "family_name"):
        if getattr(r, field) is None:
            raise Problem(422, "The request is not valid", "A dialogue request needs the"
                          " requester's given and family name.",
                          errors=[{"field": f"requester.{field}", "detail": "required"}])
    requester = Requester(
        relationship=r.relationship, preferred_language=r.preferred_language,
        preferred_channel=r.preferred_channel, given_name=r.given_name,
        family_name=r.family_name, email=r.email, phone=r.phone, state=r.state,
        time_zone=r.time_zone,
    )
    return RequestDialogue(
        requester=requester, cdcr_number=payload.offender.cdcr_number,
        source=RequestSource.WEBHOOK, offender_given_name=payload.offender.given_name,
        offender_family_name=payload.offender.family_name, notes=payload.notes,
        webhook_id=webhook_id,
    )
