"""The SMS API never answering, or answering only after the client gave up. Neither outcome can
be known by the sender: each such text ends ``unknown`` with exactly one staff alert and is never
sent again by itself (no duplicate text at 3 a.m.), however long one waits. Then the provider's
status callback (for the texts that did go) and a staff member's settling (for those that did
not) settle them: every victim ends with each of her two texts once, and staff were told once
per unknown text and nothing more."""
import asyncio
import time
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from notifications.adapters.twilio_signature import signature
from vod_devtools.net import free_port
from vod_devtools.staff_testing import add_staff, sign_in
from vod_shared.staff import Role

from .harness import REPORT, REVIEW_NEEDED, UNKNOWN_TOLD, Counts, FaultRun, victim_phone
from .providers import SmsApi

pytestmark = [pytest.mark.integration, pytest.mark.faults]
REQUESTS = 6  # the first half's texts answered late, the second half's never
TIMEOUT_S = 2.0
SMS_TOKEN = "fault-sms-token"
FAST_RETRIES = {"NOTIFICATIONS_RETRY_FIRST_S": "1", "NOTIFICATIONS_RETRY_MAX_S": "2",
                "SMS_TIMEOUT_S": str(TIMEOUT_S)}


def _victim_states(states: Counter) -> Counter:
    out: Counter = Counter()
    for (template, status), n in states.items():
        if not template.startswith("staff_"):
            out[status] += n
    return out


async def _callback(url: str, sid: str, status: str) -> int:
    """The provider reporting what became of a text, signed as it signs (X-Twilio-Signature)."""
    params = [("MessageSid", sid), ("MessageStatus", status)]
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.post(url, data=dict(params), headers={
            "X-Twilio-Signature": signature(SMS_TOKEN, url, params)})
    return answer.status_code


async def _settle_not_sent(run: FaultRun, delivery_ids: list[str]) -> None:
    """A coordinator, having checked with the provider: these never went."""
    person = add_staff(run.dir / "var" / "staff.toml", f"coord-{run.run_id}", Role.COORDINATOR)
    async with httpx.AsyncClient(base_url=run.services["notifications"].url,
                                 timeout=10) as client:
        await sign_in(client, person)
        for delivery_id in delivery_ids:
            answer = await client.post(f"/api/deliveries/{delivery_id}/settle",
                                       json={"outcome": "not_sent",
                                             "note_code": "provider_checked"})
            assert answer.status_code == 200, answer.text
            assert answer.json()["status"] == "pending", answer.json()


async def test_sms_api_hanging_or_answering_after_the_client_gave_up(tmp_path):
    port = free_port()
    hook = f"http://127.0.0.1:{port}/webhooks/sms"
    run = FaultRun(tmp_path, channel="sms", env=dict(FAST_RETRIES), per_service={
        "notifications": {"NOTIFICATIONS_PORT": str(port), "SMS_WEBHOOK_URL": hook,
                          "SMS_AUTH_TOKEN": SMS_TOKEN}})
    late = {victim_phone(n) for n in range(REQUESTS // 2)}
    hanging = {victim_phone(n) for n in range(REQUESTS // 2, REQUESTS)}
    with SmsApi(run.catchers.http_base) as sms:
        sms.delay = TIMEOUT_S + 1.5
        sms.mode_for = lambda to: "late" if to in late else "hang" if to in hanging else "ok"
        run.extra_env["SMS_API_BASE"] = sms.base
        async with run:
            await run.burst(REQUESTS)
            planned = 2 * REQUESTS

            async def all_unknown() -> bool:
                return _victim_states(await run.delivery_states())["unknown"] == planned
            assert await _wait(all_unknown, 90), dict(await run.delivery_states())
            assert await _wait(lambda: _told(run) >= planned, 60), run.staff_mail()
            await asyncio.sleep(10)  # five times the first retry delay: nothing is sent again
            tried_while_unknown = sms.started
            texts_while_unknown = len(run.catchers.sms.read())
            states_while_unknown = _victim_states(await run.delivery_states())
            told_while_unknown = _told(run)

            settling = time.monotonic()
            went = [c for c in sms.calls if c.to in late]
            for call in went:  # the provider reports: delivered (and again: a replay)
                assert await _callback(call.callback, call.sid, "delivered") == 200
                assert await _callback(call.callback, call.sid, "delivered") == 200
            hanging.clear()  # the provider answers again; those texts never went
            stuck = [parse_qs(urlsplit(c.callback).query)["delivery"][0]
                     for c in sms.calls if c.answer == 0]
            await _settle_not_sent(run, stuck)
            recovered = await run.wait_settled(planned, timeout=60)
            await asyncio.sleep(3)  # anything sent twice would show by now
            states = _victim_states(await run.delivery_states())
            boxes = run.mail_to_victims()
            staff = run.staff_mail()
            decided, _ = await run.decisions()
            health = run.healthz()
    told = [s for s in staff if s.startswith(UNKNOWN_TOLD)]
    reviews = [s for s in staff if s.startswith(REVIEW_NEEDED)]
    received = Counter((to, body) for to, bodies in boxes.items() for body in bodies)
    counts = Counts("SMS API hangs / answers after the client's timeout", REQUESTS,
                    decided_once=sum(1 for case in run.cases if decided[case] == 1),
                    messages_once=sum(1 for n in received.values() if n == 1),
                    lost=planned - len(received),
                    duplicates=sum(n - 1 for n in received.values()) + max(
                        0, len(told) - planned) + sum(n - 1 for n in Counter(reviews).values()),
                    recovery_s=recovered - settling,
                    notes={"unknown": states_while_unknown["unknown"],
                           "staff_told_unknown": len(told), "sms_calls": len(sms.calls),
                           "settled_by_callback": len(went), "settled_by_staff": len(stuck)})
    print(counts.line())
    REPORT.append(counts)

    # while unknown: each text tried once, none again; staff told once for each
    assert tried_while_unknown == planned, sms.calls
    assert texts_while_unknown == len(went) == REQUESTS, "the late ones went, the hung did not"
    assert states_while_unknown == Counter({"unknown": planned}), states_while_unknown
    assert told_while_unknown == planned, run.staff_mail()
    # settled: the late ones by the callback (not sent again), the hung ones sent once more
    assert len(stuck) == REQUESTS and len(sms.calls) == planned + len(stuck), sms.calls
    assert states == Counter({"sent": planned}), states
    assert (counts.lost, counts.duplicates) == (0, 0), (boxes, staff)
    assert counts.decided_once == REQUESTS
    assert all(len(bodies) == 2 for bodies in boxes.values()) and len(boxes) == REQUESTS
    # staff: one "may not have been delivered" per unknown text (two per case), and besides
    # only what the program tells them anyway (each case to review, once)
    assert len(told) == planned and set(Counter(told).values()) == {2}, staff
    assert len(told) + len(reviews) == len(staff), staff
    assert {name: h["status"] for name, h in health.items()} == {n: "ok" for n in health}


def _told(run: FaultRun) -> int:
    return sum(1 for s in run.staff_mail() if s.startswith(UNKNOWN_TOLD))


async def _wait(check, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return True
        await asyncio.sleep(0.5)
    return False
