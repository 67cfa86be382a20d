"""A text whose answer never comes, from a real local socket: an SMS API that says nothing, and
one that answers a byte at a time (httpx's timeouts are per read, so that one never times out
by itself). Both end unknown, and soon: never sent again, never holding a sender slot."""
import asyncio
import time

from notifications.adapters.sms import TwilioSender
from notifications.domain.delivery import OutcomeUnknown

TIMEOUT_S = 0.3


async def _server(answer) -> tuple[asyncio.Server, str]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")  # the request's head; its form follows
        try:
            await answer(writer)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"


async def _send(base: str) -> tuple[object, float]:
    sender = TwilioSender(api_base=base, account_sid="AC1", auth_token="t", sender="+15550000",
                          timeout_s=TIMEOUT_S)
    began = time.monotonic()
    try:
        outcome = await sender.send("hello", to="+12133730000", delivery_id="d1")
    finally:
        await sender.close()
    return outcome, time.monotonic() - began


async def test_an_sms_api_that_never_answers_leaves_the_text_unknown():
    async def silent(writer):
        await asyncio.sleep(30)

    server, base = await _server(silent)
    async with server:
        outcome, took = await _send(base)
    assert isinstance(outcome, OutcomeUnknown), outcome
    assert took < 2 * TIMEOUT_S + 0.5, took


async def test_an_sms_api_answering_a_byte_at_a_time_leaves_the_text_unknown_in_time():
    body = b'{"sid": "SM1", "status": "queued"}' + b" " * 100

    async def trickle(writer):
        writer.write(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(body))
        for byte in body:  # each read gets a byte well within the read timeout
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(TIMEOUT_S / 3)

    server, base = await _server(trickle)
    async with server:
        outcome, took = await _send(base)
    assert isinstance(outcome, OutcomeUnknown), outcome
    assert outcome.reason == "sms_no_answer:deadline"
    assert took < 2 * TIMEOUT_S + 0.5, took  # not the 13 s the whole answer would take
