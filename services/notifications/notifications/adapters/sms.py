"""Text messages through a Twilio-compatible REST API (httpx):
``POST {base}/2010-04-01/Accounts/{sid}/Messages.json`` with ``To``, ``From``, ``Body``.

What an answer means for the message:
- 201: taken; the message ``sid`` is the provider id;
- 429 (honouring Retry-After), 5xx, a failure to connect, a request that never went out,
  and a rejection of our own credentials (an operator can fix that within the day): try again;
- any other 4xx (an invalid or unsubscribed number...): never, reason = Twilio's error code;
- the request went out and no answer came (read timeout, dropped connection, or no whole
  answer within twice ``timeout_s``: httpx's timeouts are per read, so a provider sending a
  byte now and then would otherwise hold the send, and a sender slot, for ever): unknown.

With ``status_callback`` (``SMS_WEBHOOK_URL`` + ``/status``), each message asks the provider to
report what became of it there (``StatusCallback``), with the delivery id in the address: the
callback then settles even a text whose answer never came (``service_layer.provider_status``).

In team mode (``MESSAGES_MODE=team``) ``TeamSms`` stands in front: every text goes to the
team's phones, marked a test.
"""
import asyncio
from urllib.parse import urlencode

import httpx

from notifications.domain.delivery import (
    Outcome,
    OutcomeUnknown,
    PermanentFailure,
    Sent,
    TemporaryFailure,
)
from vod_shared.team_mode import TeamMode, mark_sms

UNSUBSCRIBED = 21610  # Twilio: the number replied STOP to this sender
THROTTLED = "sms_throttled:429"  # the provider's "too many": the sender slows down
_OURS_TO_FIX = {401, 403, 404}


class TwilioSender:
    def __init__(self, *, api_base: str, account_sid: str, auth_token: str, sender: str,
                 timeout_s: float = 15.0, transport: httpx.AsyncBaseTransport | None = None,
                 status_callback: str | None = None) -> None:
        self._url = f"{api_base.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._sender = sender
        self._status_callback = status_callback
        self._deadline_s = 2 * timeout_s  # the whole call, connecting and answer included
        self._client = httpx.AsyncClient(auth=(account_sid, auth_token), transport=transport,
                                         timeout=httpx.Timeout(timeout_s))

    async def send(self, body: str, *, to: str, delivery_id: str) -> Outcome:
        form = {"To": to, "From": self._sender, "Body": body}
        if self._status_callback:
            form["StatusCallback"] = status_callback_url(self._status_callback, delivery_id)
        try:
            async with asyncio.timeout(self._deadline_s):
                response = await self._client.post(self._url, data=form)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout,
                httpx.WriteError, httpx.WriteTimeout) as exc:
            return TemporaryFailure(f"sms_unreachable:{type(exc).__name__}")
        except httpx.TransportError as exc:  # the request went out; the answer never came
            return OutcomeUnknown(f"sms_no_answer:{type(exc).__name__}")
        except TimeoutError:  # the whole answer did not come in time; the request may have gone
            return OutcomeUnknown("sms_no_answer:deadline")
        return _outcome(response)

    async def close(self) -> None:
        await self._client.aclose()


class TeamSms:
    """Team mode (vod_shared.team_mode): each text goes, marked a test, to every phone of the
    team instead of its recipient; with no team phone it goes nowhere and fails
    (``team_mode_no_team_phone``). The outcome is the first that was not ``Sent``, else the
    first phone's."""

    def __init__(self, inner, team: TeamMode) -> None:
        self._inner, self._team = inner, team

    async def send(self, body: str, *, to: str, delivery_id: str) -> Outcome:
        if not self._team.phones:
            return PermanentFailure("team_mode_no_team_phone")
        outcomes = [await self._inner.send(mark_sms(body), to=phone, delivery_id=delivery_id)
                    for phone in self._team.phones]
        return next((o for o in outcomes if not isinstance(o, Sent)), outcomes[0])

    async def close(self) -> None:
        if hasattr(self._inner, "close"):
            await self._inner.close()


def status_callback_url(base: str, delivery_id: str) -> str:
    return f"{base}?{urlencode({'delivery': delivery_id})}"


def _outcome(response: httpx.Response) -> Outcome:
    status = response.status_code
    if status in (200, 201):
        return Sent(_json(response).get("sid"))
    if status == 429:
        return TemporaryFailure(THROTTLED, _retry_after(response))
    if status >= 500 or status in _OURS_TO_FIX:
        return TemporaryFailure(f"sms_provider:{status}", _retry_after(response))
    code = _json(response).get("code")
    return PermanentFailure(f"sms_rejected:{code or status}")


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.replace(".", "", 1).isdigit() else None


def _json(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
