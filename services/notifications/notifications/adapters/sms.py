"""Text messages through a Twilio-compatible REST API (aiohttp, one session and its connection
pool for the process): ``POST {base}/2010-04-01/Accounts/{sid}/Messages.json`` with ``To``,
``From``, ``Body``.

What an answer means for the message:
- 201: taken; the message ``sid`` is the provider id;
- 429 (honouring Retry-After), 5xx, a failure to connect, no free connection within
  ``timeout_s``, a request that never went out (written to a connection already closing),
  and a rejection of our own credentials (an operator can fix that within the day): try again;
- any other 4xx (an invalid or unsubscribed number...), or a redirect (never followed, as
  it would send the text again elsewhere): never, reason = Twilio's error code or the status;
- the request went out and no answer came (read timeout, dropped connection, a broken answer,
  or no whole answer within twice ``timeout_s``: the read timeout is per read, so a provider
  sending a byte now and then would otherwise hold the send, and a sender slot, for ever):
  unknown.

The proxy is read from the environment once, when the client's session is made, and named in
each request: with ``trust_env`` aiohttp read ``~/.netrc`` and the proxy variables again for
every request, each time on a worker thread (two thread hops a text: more than half of the
client's CPU a text, issue 13). A proxy set after the first text needs a restart.

The pool holds ``max_connections`` (the sender's concurrency: one per send in flight); an idle
connection is dropped after ``_KEEP_IDLE_S``, before a server's usual idle limit (uvicorn's 5 s),
so a send seldom goes out on a connection the server is closing (that one would be unknown).

With ``status_callback`` (``SMS_WEBHOOK_URL`` + ``/status``), each message asks the provider to
report what became of it there (``StatusCallback``), with the delivery id in the address: the
callback then settles even a text whose answer never came (``service_layer.provider_status``).

In team mode (``MESSAGES_MODE=team``) ``TeamSms`` stands in front: every text goes to the
team's phones, marked a test.
"""
import asyncio
import json
import ssl
from urllib.parse import urlencode

import aiohttp
import certifi
from aiohttp.helpers import get_env_proxy_for_url
from yarl import URL

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
_KEEP_IDLE_S = 4.0
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# Raised before a byte of the request left: no connection (refused, DNS, TLS), none free or
# made within the connect timeout, or the connection closing as the request was written
_NEVER_WENT_OUT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError,
                   aiohttp.ClientConnectionResetError, aiohttp.UploadAbortedError)


class TwilioSender:
    def __init__(self, *, api_base: str, account_sid: str, auth_token: str, sender: str,
                 timeout_s: float = 15.0, status_callback: str | None = None,
                 max_connections: int = 32) -> None:
        self._url = f"{api_base.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._sender = sender
        self._status_callback = status_callback
        self._headers = {**_FORM,
                         "Authorization": aiohttp.encode_basic_auth(account_sid, auth_token)}
        self._timeout = aiohttp.ClientTimeout(total=None, connect=timeout_s,
                                              sock_connect=timeout_s, sock_read=timeout_s)
        self._deadline_s = 2 * timeout_s  # the whole call, connecting and answer included
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None  # made in the loop that sends
        self._proxy: URL | None = None  # and the proxy to the provider, read with it
        self._proxy_auth: aiohttp.BasicAuth | None = None

    async def send(self, body: str, *, to: str, delivery_id: str) -> Outcome:
        form = {"To": to, "From": self._sender, "Body": body}
        if self._status_callback:
            form["StatusCallback"] = status_callback_url(self._status_callback, delivery_id)
        try:
            async with asyncio.timeout(self._deadline_s):
                # a redirect is an answer, not a place to send the text again (as with httpx)
                async with self._client().post(self._url, data=urlencode(form).encode(),
                                               allow_redirects=False, proxy=self._proxy,
                                               proxy_auth=self._proxy_auth) as response:
                    status, answer = response.status, await response.read()
                    retry_after = response.headers.get("Retry-After", "")
        except _NEVER_WENT_OUT as exc:
            return TemporaryFailure(f"sms_unreachable:{type(exc).__name__}")
        except aiohttp.InvalidURL:
            raise  # SMS_API_BASE is wrong: nothing was sent, and no retry will help
        except aiohttp.ClientError as exc:  # the request went out; the answer never came
            return OutcomeUnknown(f"sms_no_answer:{type(exc).__name__}")
        except TimeoutError:  # the whole answer did not come in time; the request may have gone
            return OutcomeUnknown("sms_no_answer:deadline")
        except OSError as exc:  # the socket failed under aiohttp after the request went out
            return OutcomeUnknown(f"sms_no_answer:{type(exc).__name__}")
        return _outcome(status, answer, retry_after)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # As httpx did: through HTTP(S)_PROXY when set (a government network's way out),
            # and TLS checked against certifi's authorities, not the system's
            self._proxy, self._proxy_auth = _proxy_for(self._url)
            self._session = aiohttp.ClientSession(
                headers=self._headers, timeout=self._timeout, raise_for_status=False,
                trust_env=False,
                connector=aiohttp.TCPConnector(limit=self._max_connections,
                                               keepalive_timeout=_KEEP_IDLE_S,
                                               ssl=_certifi_context()))
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def _proxy_for(url: str) -> tuple[URL | None, aiohttp.BasicAuth | None]:
    """The proxy the environment names for ``url`` (``HTTP_PROXY``/``HTTPS_PROXY``, unless
    ``NO_PROXY`` leaves it out; its credentials from the URL or ``~/.netrc``), as aiohttp's
    ``trust_env`` would find it; (None, None) for none."""
    try:
        return get_env_proxy_for_url(URL(url))
    except LookupError:
        return None, None


def _certifi_context() -> ssl.SSLContext:
    """TLS verified against certifi's bundle (httpx's default, which this client replaced)."""
    return ssl.create_default_context(cafile=certifi.where())


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


def _outcome(status: int, answer: bytes, retry_after: str) -> Outcome:
    if status in (200, 201):
        return Sent(_json(answer).get("sid"))
    if status == 429:
        return TemporaryFailure(THROTTLED, _seconds(retry_after))
    if status >= 500 or status in _OURS_TO_FIX:
        return TemporaryFailure(f"sms_provider:{status}", _seconds(retry_after))
    code = _json(answer).get("code")
    return PermanentFailure(f"sms_rejected:{code or status}")


def _seconds(retry_after: str) -> float | None:
    return float(retry_after) if retry_after.replace(".", "", 1).isdigit() else None


def _json(answer: bytes) -> dict:
    try:
        body = json.loads(answer)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError among them
        return {}
    return body if isinstance(body, dict) else {}
