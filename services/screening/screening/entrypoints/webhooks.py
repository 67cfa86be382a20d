"""``POST /webhooks/custody``: the corrections department's custody feed, signed by the
Standard Webhooks scheme."""
import json
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from vod_shared.metrics import webhook_call
from vod_shared.openapi import json_body
from vod_shared.problems import Problem, field_errors
from vod_shared.webhooks import read_signed_body

from screening.domain.commands import RecordCustodyChange
from screening.domain.errors import InvalidCustodyReport
from screening.entrypoints.schemas import ChangeAccepted, CustodyChangeIn
from screening.service_layer.handlers import Recorded


def custody_webhook_router(*, secrets: list[str], max_body_bytes: int,
                           record_change: Callable[[RecordCustodyChange], Awaitable[Recorded]],
                           metrics=None) -> APIRouter:
    """``metrics``: the service's (each call counted in ``vod_webhook_requests_total``)."""
    router = APIRouter(tags=["webhooks"])

    @router.post(
        "/webhooks/custody", status_code=202, response_model=ChangeAccepted,
        summary="One custody change from the corrections department's feed",
        openapi_extra=json_body(CustodyChangeIn),
    )
    async def receive_custody_change(request: Request) -> JSONResponse:
        with webhook_call(metrics) as call:
            webhook_id, body = await read_signed_body(request, secrets,
                                                      max_bytes=max_body_bytes)
            report = parse(body).to_report()
            try:
                recorded = await record_change(RecordCustodyChange(report,
                                                                   webhook_id=webhook_id))
            except InvalidCustodyReport as exc:
                raise Problem(422, "The custody change cannot be accepted", exc.detail,
                              errors=[{"field": exc.field, "detail": exc.detail}]) from None
            call.duplicate = recorded.outcome == "already_received"
        return JSONResponse(recorded.body, status_code=recorded.status_code)

    return router


def parse(body: bytes) -> CustodyChangeIn:
    try:
        return CustodyChangeIn.model_validate(json.loads(body))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Problem(400, "Malformed JSON", "The body is not valid JSON.") from None
    except ValidationError as exc:
        raise Problem(422, "The custody change is not valid",
                      "Some fields are missing or wrong; each is named below.",
                      errors=field_errors(exc.errors())) from None
