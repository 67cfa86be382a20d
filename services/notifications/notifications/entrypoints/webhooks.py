"""``POST /webhooks/sms``: texts people send back, posted by the SMS provider in Twilio's form
format and signed with ``X-Twilio-Signature``. Public (the signature is the check)."""
from collections.abc import Callable
from datetime import datetime
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response

from vod_shared.problems import Problem

from notifications.adapters.contacts import ContactKeys
from notifications.adapters.twilio_signature import is_valid
from notifications.config import Settings
from notifications.service_layer.replies import receive_text
from notifications.service_layer.unit_of_work import UnitOfWork

MAX_BODY_BYTES = 64 * 1024
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def sms_webhook_router(*, uow: Callable[[], UnitOfWork], keys: ContactKeys, settings: Settings,
                       clock: Callable[[], datetime]) -> APIRouter:
    router = APIRouter(tags=["webhooks"])

    @router.post("/webhooks/sms", summary="A text sent to the program's number (Twilio's format)",
                 response_class=Response, responses={200: {"content": {"application/xml": {}}}})
    async def inbound_sms(request: Request) -> Response:
        params = await _signed_form(request, settings)
        fields = dict(params)
        message_sid = fields.get("MessageSid") or fields.get("SmsSid")
        if not message_sid or "From" not in fields:
            raise Problem(422, "Not a message", "MessageSid and From are required.")
        async with uow() as unit:
            await receive_text(unit, keys, message_sid=message_sid, from_number=fields["From"],
                               body=fields.get("Body", ""), now=clock())
        return Response(EMPTY_TWIML, media_type="application/xml")

    return router


async def _signed_form(request: Request, settings: Settings) -> list[tuple[str, str]]:
    if not settings.sms_auth_token:
        raise Problem(503, "Webhook not configured", "SMS_AUTH_TOKEN is not set here.")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise Problem(415, "Unsupported media type", "Send application/x-www-form-urlencoded.")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise Problem(413, "Body too large", f"At most {MAX_BODY_BYTES} bytes.")
    params = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    url = settings.sms_webhook_url or str(request.url)
    if not is_valid(settings.sms_auth_token, url, params,
                    request.headers.get("x-twilio-signature")):
        raise Problem(401, "Signature not accepted",
                      "X-Twilio-Signature must sign this URL and these parameters.")
    return params
