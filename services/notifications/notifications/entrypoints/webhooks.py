"""The SMS provider's webhooks, in Twilio's form format and signed with ``X-Twilio-Signature``
(public: the signature is the check):

- ``POST /webhooks/sms``: texts people send back;
- ``POST /webhooks/sms/status``: what became of a text we sent (``StatusCallback``).

Each call is counted in ``vod_webhook_requests_total`` by outcome."""
import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response

from vod_shared.metrics import webhook_call
from vod_shared.problems import Problem

from notifications.adapters.contacts import ContactKeys
from notifications.adapters.twilio_signature import is_valid
from notifications.config import Settings
from notifications.service_layer.outcomes import Outcomes
from notifications.service_layer.provider_status import Applied, apply_status
from notifications.service_layer.replies import receive_text
from notifications.service_layer.staff_alerts import StaffAlerts
from notifications.service_layer.unit_of_work import UnitOfWork

MAX_BODY_BYTES = 64 * 1024
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
_WORD = re.compile(r"[a-z_]{1,32}")
_SID = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


def sms_webhook_router(*, uow: Callable[[], UnitOfWork], keys: ContactKeys, settings: Settings,
                       clock: Callable[[], datetime], outcomes: Outcomes | None = None,
                       metrics=None) -> APIRouter:
    """``outcomes``: how a failed text is recorded (the sender's); ``metrics``: the service's."""
    router = APIRouter(tags=["webhooks"])
    outcomes = outcomes or Outcomes(uow=uow, topics=settings.topics,
                                    policy=settings.retry_policy,
                                    alerts=StaffAlerts(settings.staff_alerts_email))

    @router.post("/webhooks/sms", summary="A text sent to the program's number (Twilio's format)",
                 response_class=Response, responses={200: {"content": {"application/xml": {}}}})
    async def inbound_sms(request: Request) -> Response:
        with webhook_call(metrics) as call:
            params = await _signed_form(request, settings, settings.sms_webhook_url)
            fields = dict(params)
            message_sid = fields.get("MessageSid") or fields.get("SmsSid")
            if not message_sid or "From" not in fields:
                raise Problem(422, "Not a message", "MessageSid and From are required.")
            async with uow() as unit:
                reply = await receive_text(unit, keys, message_sid=message_sid,
                                           from_number=fields["From"],
                                           body=fields.get("Body", ""), now=clock())
            call.duplicate = reply is None
        return Response(EMPTY_TWIML, media_type="application/xml")

    @router.post("/webhooks/sms/status",
                 summary="What became of a text we sent (Twilio's StatusCallback): delivered, "
                         "undelivered, failed...",
                 response_class=Response,
                 responses={200: {"description": "Taken (also for a message that is not ours)"},
                            401: {"description": "X-Twilio-Signature missing or wrong"}})
    async def sms_status(request: Request) -> Response:
        with webhook_call(metrics) as call:
            base = settings.sms_status_url
            params = await _signed_form(request, settings, base and (
                f"{base}?{request.url.query}" if request.url.query else base))
            fields = dict(params)
            message_sid = fields.get("MessageSid") or fields.get("SmsSid") or ""
            status = (fields.get("MessageStatus") or fields.get("SmsStatus") or "").lower()
            if not _SID.fullmatch(message_sid) or not _WORD.fullmatch(status):
                raise Problem(422, "Not a status callback",
                              "MessageSid and MessageStatus are required.")
            async with uow() as unit:
                applied = await apply_status(
                    unit, outcomes, message_sid=message_sid, status=status,
                    error_code=fields.get("ErrorCode"),
                    delivery_hint=request.query_params.get("delivery"), now=clock())
            call.duplicate = applied is Applied.REPLAY
        return Response(status_code=200)

    return router


async def _signed_form(request: Request, settings: Settings,
                       url: str | None) -> list[tuple[str, str]]:
    """The form's parameters, once ``X-Twilio-Signature`` is found to sign ``url`` (the address
    as configured at the provider; else the one the request came to) and them."""
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
    url = url or str(request.url)
    if not is_valid(settings.sms_auth_token, url, params,
                    request.headers.get("x-twilio-signature")):
        raise Problem(401, "Signature not accepted",
                      "X-Twilio-Signature must sign this URL and these parameters.")
    return params
