"""Issue 16's first defect, end to end: with an SMS API taking 3 s an answer, notifications is
sent SIGTERM in the middle of a burst of 100 urgent texts (an escape told to 100 registrants).
It starts no new send, lets those in flight finish, and the next start sends the rest: every
registrant gets the escape text once, no delivery is left unknown, staff are told nothing."""
import asyncio
import json
import signal
import time
from collections import Counter
from datetime import datetime, timezone

import httpx
import pytest

from vod_devtools.webhooks import signed_headers

from .harness import REPORT, SECRET, Counts, FaultRun, daytime_zone
from .providers import SmsApi

pytestmark = [pytest.mark.integration, pytest.mark.faults]
REGISTRANTS = 100
CDCR = "ES1357"


def _registration(n: int, run_id: str) -> dict:
    return {"kind": "custody_notification_registration", "notify_on": ["escape"],
            "offender": {"cdcr_number": CDCR},
            "requester": {"given_name": "Wen", "family_name": f"Registrant{n}",
                          "relationship": "witness", "email": f"registrant{n}.{run_id}@example.net",
                          "phone": f"+1213374{n:04d}", "preferred_language": "en",
                          "preferred_channel": "email", "state": "CA",
                          "time_zone": daytime_zone()}}


def _post(url: str, payload: dict) -> None:
    body = json.dumps(payload).encode()
    answer = httpx.post(url, content=body, headers=signed_headers(body, SECRET), timeout=10)
    assert answer.status_code == 202, answer.text


async def test_sigterm_mid_burst_of_100_urgent_texts_with_a_3_s_sms_api(tmp_path):
    run = FaultRun(tmp_path, env={"NOTIFICATIONS_SENDER_CONCURRENCY": "10"})
    with SmsApi(run.catchers.http_base) as sms:
        sms.mode, sms.delay = "slow", 3.0
        run.extra_env["SMS_API_BASE"] = sms.base
        async with run:
            for n in range(REGISTRANTS):
                _post(f"{run.services['intake'].url}/webhooks/requests",
                      _registration(n, run.run_id))
            await run.wait_settled(REGISTRANTS, timeout=120)  # their acknowledgements, by mail
            _post(f"{run.services['screening'].url}/webhooks/custody", {
                "cdcr_number": CDCR, "status": "escaped", "facility_code": None,
                "effective_at": datetime.now(timezone.utc).isoformat(), "change": "escape"})
            while sms.started < 15:  # the burst is under way, ten texts in flight
                await asyncio.sleep(0.1)
            stopped = time.monotonic()
            back = await run.restart("notifications", signal.SIGTERM)
            before_restart = len(sms.calls)  # the texts the stopped process had sent
            drained_s = back - stopped
            recovered = await run.wait_settled(REGISTRANTS * 3, timeout=180)
            states = await run.delivery_states()
            staff = run.staff_mail()
        texts = Counter(t["to"] for t in run.catchers.sms.read() if t["body"].startswith("URGENT"))
    unknown = sum(n for (_, status), n in states.items() if status == "unknown")
    counts = Counts("notifications SIGTERM, 3 s SMS, 100 urgent texts", REGISTRANTS,
                    decided_once=None,
                    messages_once=sum(1 for n in texts.values() if n == 1),
                    lost=REGISTRANTS - len(texts), duplicates=sum(n - 1 for n in texts.values()),
                    recovery_s=recovered - back,
                    notes={"unknown": unknown, "staff_told": len(staff),
                           "stop_and_start_s": round(drained_s, 1),
                           "sent_before_the_stop": before_restart})
    print(counts.line())
    REPORT.append(counts)
    assert before_restart < REGISTRANTS  # the stop came mid-burst: the next start sent the rest
    assert unknown == 0, dict(states)
    assert (counts.lost, counts.duplicates) == (0, 0), texts
    assert staff == [], staff
