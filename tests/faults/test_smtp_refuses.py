"""The mail server refusing the victims' mail for good (550, "mailbox unavailable") while staff
mail still goes. Each such email ends ``failed`` with the server's code as its reason, is tried
once and never again (no retry storm against a server that said "never"), and staff are told
once for each; nothing else is lost or done twice."""
import asyncio
import time
from collections import Counter

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from .harness import REPORT, REVIEW_NEEDED, Counts, FaultRun
from .providers import FlakyMail

pytestmark = [pytest.mark.integration, pytest.mark.faults]
REQUESTS = 10
NOT_DELIVERED = "Message not delivered: "
FAST_RETRIES = {"NOTIFICATIONS_RETRY_FIRST_S": "1", "NOTIFICATIONS_RETRY_MAX_S": "2"}


async def _victim_rows(run: FaultRun) -> list[tuple[str, str, int]]:
    """(status, reason, attempts) of every message to a victim."""
    engine = create_async_engine(run.urls["notifications"])
    try:
        async with engine.connect() as conn:
            return [tuple(r) for r in (await conn.execute(text(
                "SELECT status, reason, attempts FROM deliveries "
                "WHERE template NOT LIKE 'staff_%'"))).all()]
    finally:
        await engine.dispose()


async def test_mail_server_refusing_the_victims_mail_for_good(tmp_path):
    async with FaultRun(tmp_path, env=dict(FAST_RETRIES)) as run:
        mail = FlakyMail.install(run.catchers)
        mail.failing, mail.reply = True, "550 5.1.1 Mailbox unavailable"
        mail.refuse_to = lambda address: address.startswith("victim")
        started = time.monotonic()
        await run.burst(REQUESTS)
        planned = 2 * REQUESTS

        async def all_ended() -> bool:
            rows = await _victim_rows(run)
            told = sum(s.startswith(NOT_DELIVERED) for s in run.staff_mail())
            return len(rows) == planned and all(r[0] == "failed" for r in rows) and (
                told >= planned)
        deadline = time.monotonic() + 90
        while not await all_ended():
            assert time.monotonic() < deadline, (await _victim_rows(run), run.staff_mail())
            await asyncio.sleep(0.5)
        ended = time.monotonic()
        refused_then = mail.refused
        await asyncio.sleep(8)  # four times the longest retry delay: nothing is tried again
        rows = await _victim_rows(run)
        staff = run.staff_mail()
        decided, _ = await run.decisions()
        health = run.healthz()
    told = [s for s in staff if s.startswith(NOT_DELIVERED)]
    reviews = [s for s in staff if s.startswith(REVIEW_NEEDED)]
    refused_to = Counter(mail.refused_to)
    counts = Counts("SMTP 550 to the victims", REQUESTS,
                    decided_once=sum(1 for case in run.cases if decided[case] == 1),
                    messages_once=0, lost=0,
                    duplicates=max(0, mail.refused - planned) + max(0, len(told) - planned)
                    + sum(n - 1 for n in Counter(reviews).values()),
                    recovery_s=ended - started,
                    notes={"failed": sum(r[0] == "failed" for r in rows),
                           "mail_refused": mail.refused, "staff_told_failed": len(told),
                           "reasons": sorted({r[1] for r in rows})})
    print(counts.line())
    REPORT.append(counts)

    assert counts.decided_once == REQUESTS
    # each email refused once, ended failed with the server's code, and not tried again
    assert mail.refused == refused_then == planned, refused_to
    assert set(refused_to.values()) == {2} and len(refused_to) == REQUESTS, refused_to
    assert [(status, attempts) for status, _, attempts in rows] == [("failed", 1)] * planned
    assert {reason for _, reason, _ in rows} == {"smtp_rejected:550"}, rows
    assert not [m for m in run.mail_to_victims().values() if m], "nothing reached a victim"
    # staff: one "not delivered" per email (two per case), besides the reviews, each once
    assert len(told) == planned and set(Counter(told).values()) == {2}, staff
    assert len(told) + len(reviews) == len(staff) and counts.duplicates == 0, staff
    assert {name: h["status"] for name, h in health.items()} == {n: "ok" for n in health}
