"""What each answer of a Twilio-compatible API, or its absence, means for a text, from a real
local socket: a refusal to connect, or no free connection in the pool, never sent it (try
again); a connection dropped after the request went out may have sent it (unknown, never
resent); the status codes map as the module says; the request carries the account's basic
auth, the form and the status callback address."""
import asyncio
import base64
from urllib.parse import parse_qs

import pytest

from notifications.adapters.sms import THROTTLED, TwilioSender
from notifications.domain.delivery import (
    OutcomeUnknown,
    PermanentFailure,
    Sent,
    TemporaryFailure,
)
from vod_devtools.net import free_port

TIMEOUT_S = 0.3


class Api:
    """Answers each request with ``reply(head, body, writer)``: the bytes it returns, or none
    (it may write them itself), then closes."""

    def __init__(self, reply) -> None:
        self.reply, self.requests = reply, []

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def __aexit__(self, *exc) -> None:
        self._server.close()

    async def _handle(self, reader, writer) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode()
            length = next(int(line.split(":")[1]) for line in head.split("\r\n")
                          if line.lower().startswith("content-length"))
            body = await reader.readexactly(length)
            self.requests.append((head, body))
            answer = await self.reply(head, body, writer)
            if answer:
                writer.write(answer)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


def _answer(status: str, body: bytes = b"", extra: str = "") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


def _sender(base: str, **kwargs) -> TwilioSender:
    return TwilioSender(api_base=base, account_sid="AC1", auth_token="secret",
                        sender="+15550000", timeout_s=TIMEOUT_S, **kwargs)


async def _send(sender: TwilioSender, to: str = "+12133730000", delivery_id: str = "d1"):
    return await sender.send("hello", to=to, delivery_id=delivery_id)


@pytest.mark.parametrize("answer, expected", [
    (_answer("201 Created", b'{"sid": "SM9", "status": "queued"}'), Sent("SM9")),
    (_answer("429 Too Many Requests", extra="Retry-After: 2.5\r\n"),
     TemporaryFailure(THROTTLED, 2.5)),
    (_answer("503 Service Unavailable", extra="Retry-After: soon\r\n"),
     TemporaryFailure("sms_provider:503", None)),
    (_answer("401 Unauthorized", b'{"code": 20003}'), TemporaryFailure("sms_provider:401")),
    (_answer("400 Bad Request", b'{"code": 21610, "message": "unsubscribed"}'),
     PermanentFailure("sms_rejected:21610")),
    (_answer("400 Bad Request", b"<html>not json</html>"), PermanentFailure("sms_rejected:400")),
    # followed, it would be sent again elsewhere (aiohttp follows redirects unless told not to)
    (_answer("307 Temporary Redirect", extra="Location: /again\r\n"),
     PermanentFailure("sms_rejected:307")),
])
async def test_each_answer_means_what_the_module_says(answer, expected):
    async def reply(head, body, writer):
        return answer

    async with Api(reply) as base:
        sender = _sender(base)
        try:
            outcome = await _send(sender)
        finally:
            await sender.close()
    assert outcome == expected


async def test_the_request_carries_auth_form_and_status_callback():
    async def taken(head, body, writer):
        return _answer("201 Created", b'{"sid": "SM1"}')

    api = Api(taken)
    async with api as base:
        sender = _sender(base, status_callback="https://us.example/sms/status")
        try:
            assert await _send(sender, delivery_id="d-42") == Sent("SM1")
        finally:
            await sender.close()
    (head, body), = api.requests
    assert head.startswith("POST /2010-04-01/Accounts/AC1/Messages.json HTTP/1.1\r\n")
    auth = base64.b64encode(b"AC1:secret").decode()
    assert f"authorization: basic {auth}".lower() in head.lower()
    assert "content-type: application/x-www-form-urlencoded" in head.lower()
    assert parse_qs(body.decode()) == {
        "To": ["+12133730000"], "From": ["+15550000"], "Body": ["hello"],
        "StatusCallback": ["https://us.example/sms/status?delivery=d-42"]}


async def test_a_provider_that_refuses_the_connection_never_got_the_text():
    sender = _sender(f"http://127.0.0.1:{free_port()}")  # nothing listens there
    try:
        outcome = await _send(sender)
    finally:
        await sender.close()
    assert isinstance(outcome, TemporaryFailure), outcome
    assert outcome.reason.startswith("sms_unreachable:")


async def test_a_connection_dropped_after_the_request_leaves_the_text_unknown():
    async def reply(head, body, writer):
        return None  # read it all, then hang up without a word

    async with Api(reply) as base:
        sender = _sender(base)
        try:
            outcome = await _send(sender)
        finally:
            await sender.close()
    assert isinstance(outcome, OutcomeUnknown), outcome
    assert outcome.reason.startswith("sms_no_answer:")


async def test_a_text_waiting_for_a_free_connection_in_vain_was_never_sent():
    async def trickle(head, body, writer):  # a byte now and then: the first text holds the
        writer.write(_answer("201 Created", b" " * 100)[:-100])  # one connection until its
        for _ in range(10):  # deadline (twice TIMEOUT_S), the read timeout never running out
            await asyncio.sleep(TIMEOUT_S / 3)
            writer.write(b" ")
            await writer.drain()

    api = Api(trickle)
    async with api as base:
        sender = _sender(base, max_connections=1)
        try:
            first = asyncio.create_task(_send(sender, delivery_id="d1"))
            await asyncio.sleep(0.05)  # the one connection is now the first text's
            second = await _send(sender, to="+12133730001", delivery_id="d2")
            assert isinstance(await first, OutcomeUnknown)
        finally:
            await sender.close()
    assert isinstance(second, TemporaryFailure), second
    assert second.reason == "sms_unreachable:ConnectionTimeoutError"
    assert [parse_qs(body.decode())["To"] for _, body in api.requests] == [["+12133730000"]]
