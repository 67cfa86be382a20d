"""Signed webhooks sent on kept-alive connections left idle for about five seconds, while a
burst keeps intake busy (issue 13's rare ``ReadError``).

A probe, not part of ``make bench``: intake alone on its own broker; ``--requests`` signed
webhooks at 32 in flight (``hammer``, as ``make bench`` sends them) and, beside them, waves of
16 connections that each send one webhook, stay idle ``--idle`` seconds (a range: each its
own), then send another on the same connection. Prints how long the burst's own connections
sat idle before their reuse, how many of the idle ones were answered, and for each that was
not, what the socket said and whether intake applied it (its webhook receipt in the store).

    python bench/keepalive.py [--requests 1500] [--idle 4.8 5.0]

With uvicorn's default keep-alive (5 s), 5 of 80 and 6 of 96 sent after 4.8-5.0 s idle got a
connection reset and were never applied, and the burst itself lost 5 of its 1,500 to the same
reset; with the services' ``KEEP_ALIVE_S`` (150 s), 96 of 96 and 112 of 112 were answered, and
every request of the burst.
"""
import argparse
import asyncio
import json
import random
import sqlite3
import sys
import time
import uuid

import httpcore
import httpx

from vod_devtools.webhooks import signed_headers

from ceilings import hammer
from flows import _requester, _signed
from stack import Stack, own_stack


def _request(i: int, tag: str) -> bytes:
    return json.dumps({"kind": "dialogue_request",
                       "requester": _requester(i, tag, preferred_channel="email"),
                       "offender": {"cdcr_number": f"B{i % 100_000:05d}"}}).encode()


async def _post(client: httpx.AsyncClient, stack: Stack, body: bytes) -> tuple[str, object]:
    headers = signed_headers(body, stack.intake_secret)
    try:
        response = await client.post(f"{stack.url('intake')}/webhooks/requests", content=body,
                                     headers=headers)
        return headers["webhook-id"], response.status_code
    except httpx.HTTPError as exc:
        first = exc
        while exc.__cause__ or exc.__context__:  # down to what the socket said
            exc = exc.__cause__ or exc.__context__
        return headers["webhook-id"], f"{type(first).__name__} ({exc!r})"


async def idle_then_send(stack: Stack, idle: float, first: int, tag: str) -> tuple[str, object]:
    """One connection: a webhook, ``idle`` seconds of nothing, then the next on it."""
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=1), timeout=60) as client:
        await _post(client, stack, _request(first, tag))
        await asyncio.sleep(idle)
        return await _post(client, stack, _request(first + 1, tag))


async def burst_with_idle_gaps(stack: Stack, count: int) -> str:
    """``hammer``'s burst, with how long each connection it reused had been idle."""
    idle: list[float] = []
    original = httpcore.AsyncHTTP11Connection.handle_async_request

    async def noting(connection, request):
        if connection._expire_at is not None:  # idle since: expiry less the keep-alive
            idle.append(time.monotonic() - connection._expire_at + connection._keepalive_expiry)
        return await original(connection, request)

    tag = uuid.uuid4().hex[:6]
    bodies = [_signed({"kind": "dialogue_request",
                       "requester": _requester(i, tag, preferred_channel="email"),
                       "offender": {"cdcr_number": f"B{i % 100_000:05d}"}},
                      stack.intake_secret) for i in range(count)]
    httpcore.AsyncHTTP11Connection.handle_async_request = noting
    try:
        result = await hammer(f"{stack.url('intake')}/webhooks/requests", bodies)
    finally:
        httpcore.AsyncHTTP11Connection.handle_async_request = original
    idle.sort()
    return (f"burst: {result['per_s']:.0f} req/s, {result['statuses']}; its connections idle "
            f"before reuse: median {1000 * idle[len(idle) // 2]:.0f} ms, 99th percentile "
            f"{1000 * idle[int(len(idle) * 0.99)]:.0f} ms, longest {1000 * idle[-1]:.0f} ms")


def _applied(stack: Stack, webhook_id: str) -> bool:
    with sqlite3.connect(stack.workdir / "var" / "intake.db") as conn:
        return conn.execute("SELECT count(*) FROM webhook_receipts WHERE webhook_id = ?",
                            (webhook_id,)).fetchone()[0] == 1


async def measure(requests: int, idle: tuple[float, float]) -> None:
    async with own_stack("vod-keepalive-", services=("intake",), catchers=False) as stack:
        burst = asyncio.create_task(burst_with_idle_gaps(stack, requests))
        await asyncio.sleep(3)  # the burst under way
        tag, sent, outcomes = uuid.uuid4().hex[:6], 1_000_000, []
        while not burst.done():
            outcomes += await asyncio.gather(*(idle_then_send(
                stack, random.uniform(*idle), sent + 2 * i, tag) for i in range(16)))
            sent += 32
        print(await burst)
        await asyncio.sleep(2)
        failed = [(webhook_id, said) for webhook_id, said in outcomes if said != 202]
        print(f"sent after {idle[0]}-{idle[1]} s idle: {len(outcomes)}, answered 202: "
              f"{len(outcomes) - len(failed)}")
        for webhook_id, said in failed:
            print(f"  no answer: {said}; applied by intake: {_applied(stack, webhook_id)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--idle", type=float, nargs=2, default=(4.8, 5.0), metavar=("MIN", "MAX"))
    args = parser.parse_args()
    asyncio.run(measure(args.requests, tuple(args.idle)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
