"""``POST /webhooks/requests``: a partner's form, signed by the Standard Webhooks scheme."""
import json
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from vod_shared.events import RequestSource
from vod_shared.metrics import webhook_call
from vod_shared.openapi import json_body
from vod_shared.problems import Problem, field_errors
from vod_shared.webhooks import read_signed_body

from intake.domain.errors import InvalidRequest
from intake.entrypoints.schemas import IntakeWebhookIn, WebhookAccepted, to_command
from intake.service_layer.handlers import Accepted

Handle = Callable[[object], Awaitable[Accepted]]


def webhook_router(*, secrets: list[str], max_body_bytes: int, handle: Handle,
                   metrics=None) -> APIRouter:
    """``metrics``: the service's (each call counted in ``vod_webhook_requests_total``)."""
    router = APIRouter(tags=["webhooks"])

    @router.post(
        "/webhooks/requests", status_code=202, response_model=WebhookAccepted,
        summary="A dialogue request or a custody-notification registration from a partner",
        responses={401: {"description": "Signature missing, wrong or stale"},
                   413: {"description": "Body too large"}, 415: {"description": "Not JSON"},
                   422: {"description": "A field is missing or wrong; each is named"}},
        openapi_extra=json_body(IntakeWebhookIn),
    )
    async def receive_request(request: Request) -> JSONResponse:
        with webhook_call(metrics, invalid=(InvalidRequest,)) as call:
            webhook_id, body = await read_signed_body(request, secrets, max_bytes=max_body_bytes)
            command = to_command(_parse(body), source=RequestSource.WEBHOOK,
                                 webhook_id=webhook_id)
            accepted = await handle(command)
            call.duplicate = accepted.duplicate
        return JSONResponse(accepted.body, status_code=accepted.status_code)

    return router


def _parse(body: bytes) -> IntakeWebhookIn:
    try:
        return IntakeWebhookIn.model_validate(json.loads(body))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Problem(400, "Malformed JSON", "The body is not valid JSON.") from None
    except ValidationError as exc:
        raise Problem(422, "The request is not valid",
                      "Some fields are missing or wrong; each is named below.",
                      errors=field_errors(exc.errors())) from None
