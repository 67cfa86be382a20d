"""The SMS API and the mail server failing, then recovering, while requests come in: texts get
503 and then 429 with Retry-After, staff mail gets 451. Every text and every staff mail arrives
once when they recover, none is declared unknown or failed, the sender waited as long as the
SMS API asked, and every service is healthy again."""
import asyncio
import time

import pytest

from .harness import FaultRun, account
from .providers import FlakyMail, SmsApi

pytestmark = [pytest.mark.integration, pytest.mark.faults]
REQUESTS = 30
RETRY_AFTER_S = 3
FAST_RETRIES = {"NOTIFICATIONS_RETRY_FIRST_S": "1", "NOTIFICATIONS_RETRY_MAX_S": "4"}


async def test_sms_api_and_mail_server_failing_then_recovering(tmp_path):
    run = FaultRun(tmp_path, channel="sms", env=dict(FAST_RETRIES))
    with SmsApi(run.catchers.http_base) as sms:
        run.extra_env["SMS_API_BASE"] = sms.base
        async with run:
            mail = FlakyMail.install(run.catchers)
            sms.mode, mail.failing = "503", True
            await run.burst(REQUESTS // 2)
            await asyncio.sleep(5)
            sms.mode, sms.retry_after = "429", RETRY_AFTER_S
            throttled = time.monotonic()
            await run.burst(REQUESTS // 2, start=REQUESTS // 2)
            await asyncio.sleep(5)
            sms.mode, mail.failing = "ok", False
            back = time.monotonic()
            recovered = await run.wait_settled(2 * REQUESTS, timeout=120)
            counts = await account(run, "SMS 503+429, SMTP 451", recovered_at=recovered,
                                   fault_ended=back)
    refused = {code: sum(c.answer == code for c in sms.calls) for code in (503, 429)}
    counts.notes |= {"sms_refused": refused, "mail_refused": mail.refused}
    print(counts.line())
    assert refused[503] and refused[429] and mail.refused, counts.notes  # the faults happened
    # after a 429, the next try at the same number came no sooner than Retry-After said
    for number in {c.to for c in sms.calls if c.answer == 429 and c.at >= throttled}:
        tries = [c for c in sms.calls if c.to == number]
        for earlier, later in zip(tries, tries[1:]):
            if earlier.answer == 429:
                assert later.at - earlier.at >= RETRY_AFTER_S - 0.2, (number, tries)
