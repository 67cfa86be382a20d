"""Signed webhooks handled at once are bounded (INTAKE_WEBHOOKS_AT_ONCE): the others wait their
turn and are all answered, none refused."""
import asyncio
import json
import uuid

import httpx
from fastapi import FastAPI

from intake.entrypoints.webhooks import webhook_router
from intake.service_layer.handlers import Accepted

from ..conftest import SECRET, dialogue_request, signed_headers


async def test_a_burst_is_handled_a_few_at_a_time_and_every_request_answered():
    at_work, most, release = 0, 0, asyncio.Event()

    async def handle(command) -> Accepted:
        nonlocal at_work, most
        at_work += 1
        most = max(most, at_work)
        await release.wait()  # held until the whole burst has arrived
        at_work -= 1
        return Accepted(202, {"case_id": str(uuid.uuid4())})

    app = FastAPI()
    app.include_router(webhook_router(secrets=[SECRET], max_body_bytes=64 * 1024,
                                      handle=handle, at_once=3))
    body = json.dumps(dialogue_request()).encode()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://intake") as client:
        burst = [asyncio.create_task(client.post("/webhooks/requests", content=body,
                                                 headers=signed_headers(body)))
                 for _ in range(12)]
        for _ in range(50):  # every request in, as far as the bound lets it
            await asyncio.sleep(0)
        assert at_work == 3
        release.set()
        answers = await asyncio.gather(*burst)
    assert [a.status_code for a in answers] == [202] * 12
    assert most == 3
