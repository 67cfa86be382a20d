"""A fault run: a broker of its own (so a test may kill, freeze and restart it), the mail and SMS
catchers, the services as real processes, a burst of signed requests to intake, and the counts
an outside observer can take afterwards — what was decided, what arrived, what staff were told.

Nothing here looks inside a service: the counts come from the topics, the mail catcher and the
notifications store's delivery states, so the tests stay true however the services do the work.
"""
import asyncio
import base64
import json
import re
import signal
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from vod_devtools.catchers import Catchers
from vod_devtools.kafka import LocalKafka, ensure_topics
from vod_devtools.net import free_port
from vod_devtools.testing import complaints, read_topic, read_topics, wait_until
from vod_devtools.webhooks import signed_headers
from vod_shared.sealing import KeyDirectory
from vod_shared.topics import all_topics

from ..e2e.services import ServiceProcess, stop_all

SECRET = "whsec_" + base64.b64encode(uuid.uuid4().bytes * 2).decode()
STAFF_MAILBOX = "program-staff@dialogue.example"
DECIDED = "vod.EligibilityDetermined.v1"
REVIEW_NEEDED = "Review needed: eligibility of "
UNKNOWN_TOLD = "Message may not have been delivered: "
PIPELINE = ("intake", "screening", "notifications")


@dataclass
class Counts:
    """What one fault run ended with, as the summary table shows it."""
    fault: str
    requests: int
    decided_once: int | None = 0  # None: no case to decide in this run
    messages_once: int = 0
    lost: int = 0
    duplicates: int = 0
    recovery_s: float = 0.0
    notes: dict = field(default_factory=dict)

    def line(self) -> str:
        return (f"fault counts: {self.fault}: {self.requests} requests, {self.decided_once} "
                f"decided once, {self.messages_once} messages once, {self.lost} lost, "
                f"{self.duplicates} duplicates, recovered in {self.recovery_s:.1f} s {self.notes}")


def dialogue_request(n: int, run: str, channel: str = "email") -> dict:
    return {"kind": "dialogue_request", "offender": {"cdcr_number": f"FT{n:04d}"},
            "requester": {"given_name": "Ana", "family_name": f"Fault{n}",
                          "relationship": "victim", "email": f"victim{n}.{run}@example.org",
                          "phone": victim_phone(n), "preferred_language": "en",
                          "preferred_channel": channel, "state": "CA",
                          "time_zone": daytime_zone()}}


def daytime_zone() -> str:
    """A zone where it is early afternoon now, so no text waits out the night's quiet hours
    (whenever the suite runs)."""
    hours = (13 - datetime.now(timezone.utc).hour) % 24
    hours = hours - 24 if hours > 14 else hours  # Etc/GMT-14 .. Etc/GMT+10
    return "Etc/GMT" if hours == 0 else f"Etc/GMT{-hours:+d}"  # POSIX: the sign is reversed


def victim_phone(n: int) -> str:
    return f"+1213373{n:04d}"


def _without_reference(text: str) -> str:
    return re.sub(r"VOD-\d{4}-\d+", "<ref>", text)


class SharedBroker:
    """The session's broker, for a fault that does not touch the broker: its own topic prefix
    (so its own topics and consumer groups) keeps the run apart, and no broker of its own is
    started, which is the slowest part of a run's start."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.proc = None

    async def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


class FaultRun:
    """``async with FaultRun(tmp_path) as run``: broker, catchers and ``services`` started.
    ``shared_broker`` (a bootstrap address) uses that broker instead of starting one of its own;
    only for a fault that leaves the broker alone."""

    def __init__(self, tmp_path: Path, *, services=PIPELINE, env: dict | None = None,
                 database_urls: dict[str, str] | None = None, channel: str = "email",
                 broker: type[LocalKafka] = LocalKafka, shared_broker: str | None = None,
                 per_service: dict[str, dict[str, str]] | None = None) -> None:
        self.dir = tmp_path
        self.run_id = uuid.uuid4().hex[:6]
        self.prefix = f"f{self.run_id}."
        self.broker = SharedBroker(shared_broker) if shared_broker else broker(
            tmp_path / "kafka", free_port(), free_port())
        self.catchers = Catchers(tmp_path / "catchers", smtp_port=free_port(),
                                 http_port=free_port())
        self.names = services
        self.urls = database_urls or {
            name: f"sqlite+aiosqlite:///{tmp_path / name}.db" for name in services}
        self.extra_env = env or {}
        self.per_service = per_service or {}
        self.channel = channel  # how the victims prefer to be told
        self.services: dict[str, ServiceProcess] = {}
        self.cases: list[str] = []
        self.references: list[str] = []
        self._copies: list[ServiceProcess] = []

    def env(self, name: str) -> dict[str, str]:
        return {
            "VOD_KEYS_DIR": str(self.dir / "keys"), "VICTIM_LINK_SECRET": "fault-link-secret",
            "KAFKA_BOOTSTRAP_SERVERS": self.broker.bootstrap, "VOD_TOPIC_PREFIX": self.prefix,
            "VOD_DATA_DIR": str(self.dir / "var"), "KAFKA_SESSION_TIMEOUT_MS": "3000",
            "OUTBOX_POLL_INTERVAL_S": "0.2", "CONSUMER_RETRY_BACKOFF_S": "0.05",
            "INTAKE_WEBHOOK_SECRET": SECRET, "CUSTODY_WEBHOOK_SECRET": SECRET,
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.catchers.smtp_port),
            "SMS_API_BASE": self.catchers.http_base, "SMS_AUTH_TOKEN": "fault-sms-token",
            "NOTIFICATIONS_SENDER_POLL_S": "0.2", "STAFF_ALERTS_EMAIL": STAFF_MAILBOX,
            "NOTIFICATIONS_SENDING_LEASE_S": "20",
            f"{name.upper()}_DATABASE_URL": self.urls[name], **self.extra_env,
            **self.per_service.get(name, {})}

    async def __aenter__(self) -> "FaultRun":
        KeyDirectory(self.dir / "keys").init()
        self.catchers.start()
        try:
            await self.broker.start()
            await ensure_topics(self.broker.bootstrap, all_topics(self.prefix), partitions=3)
            for name in self.names:
                self.services[name] = self.process(name).launch()
            for process in self.services.values():
                await asyncio.to_thread(process.wait_healthy, 120.0)
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def __aexit__(self, *exc) -> None:
        await asyncio.to_thread(stop_all, self._copies)
        self.catchers.stop()
        self.broker.stop()

    def process(self, name: str, **env: str) -> ServiceProcess:
        """A new process of service ``name`` (not started), logging to its own file."""
        copy = ServiceProcess(name, self.env(name) | env, self.dir)
        copy.log_path = self.dir / f"{name}-{len(self._copies)}.log"
        self._copies.append(copy)
        return copy

    # --- faults ---------------------------------------------------------------------------
    def kill_broker(self) -> None:
        self.broker.proc.send_signal(signal.SIGKILL)
        self.broker.proc.wait(30)
        self.broker.proc = None

    async def restart(self, name: str, sig: signal.Signals) -> float:
        """Sends ``sig`` to service ``name``, waits for it to exit, starts it again; returns
        the moment (monotonic) it was healthy again."""
        old = self.services[name]
        old.proc.send_signal(sig)
        await asyncio.to_thread(old.proc.wait, 60)
        new = self.process(name)
        new.port = old.port  # the same address, as a supervisor would restart it
        new.env[f"{name.upper()}_PORT"] = str(old.port)
        self.services[name] = new.launch()
        await asyncio.to_thread(new.wait_healthy, 120.0)
        return time.monotonic()

    # --- load -----------------------------------------------------------------------------
    async def request(self, n: int, timeout: float = 120.0) -> str:
        """One signed request to intake; retried with the same webhook id while intake is down
        or restarting, as the sender of a webhook does."""
        body = json.dumps(dialogue_request(n, self.run_id, self.channel)).encode()
        headers = signed_headers(body, SECRET)
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=10) as client:
            while True:
                try:
                    answer = await client.post(
                        f"{self.services['intake'].url}/webhooks/requests", content=body,
                        headers=headers)
                    if answer.status_code == 202:
                        self.cases.append(answer.json()["case_id"])
                        self.references.append(answer.json()["reference"])
                        return self.cases[-1]
                    assert answer.status_code >= 500, answer.text
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, f"intake did not take request {n}"
                await asyncio.sleep(0.3)

    async def burst(self, count: int, *, start: int = 0, every_s: float = 0.02) -> None:
        for n in range(start, start + count):
            await self.request(n)
            await asyncio.sleep(every_s)

    # --- what an observer sees ------------------------------------------------------------
    async def delivery_states(self) -> Counter:
        """(template, status) -> how many, from the notifications store."""
        engine = create_async_engine(self.urls["notifications"])
        try:
            async with engine.connect() as conn:
                rows = (await conn.execute(text(
                    "SELECT template, status, count(*) FROM deliveries GROUP BY template, status"
                ))).all()
        finally:
            await engine.dispose()
        return Counter({(template, status): n for template, status, n in rows})

    async def settled(self, planned: int) -> bool:
        """``planned`` messages to the people outside (staff's own alerts not counted) made,
        and none still waiting or in a send."""
        try:
            states = await self.delivery_states()
        except Exception:  # the store is being created or migrated
            return False
        made = sum(n for (template, status), n in states.items()
                   if status != "skipped" and not template.startswith("staff_"))
        waiting = sum(n for (_, status), n in states.items() if status in ("pending", "sending"))
        return made >= planned and waiting == 0

    async def wait_settled(self, planned: int, timeout: float) -> float:
        """Waits until every message is settled; returns when (monotonic)."""
        assert await wait_until(lambda: self.settled(planned), timeout=timeout, interval=0.5), (
            f"not settled in {timeout} s: {dict(await self.delivery_states())}; "
            f"what the services said: {self.complaints()}")
        return time.monotonic()

    def complaints(self) -> dict[str, list[str]]:
        return complaints({name: process.log() for name, process in self.services.items()})

    def mail(self) -> list[dict]:
        """Every mail caught, in the order it arrived."""
        return sorted(self.catchers.mail.read(), key=lambda m: m["id"])

    def mail_to_victims(self) -> dict[str, list[str]]:
        """What each victim received (mail subjects or texts, her case's reference left out),
        in the order it arrived."""
        boxes: dict[str, list[str]] = {}
        if self.channel == "sms":
            for text in sorted(self.catchers.sms.read(), key=lambda m: m["id"]):
                boxes.setdefault(text["to"], []).append(_without_reference(text["body"]))
            return boxes
        for message in self.mail():
            for address in message["rcpt_tos"]:
                if address.startswith("victim") and self.run_id in address:
                    boxes.setdefault(address, []).append(_without_reference(message["subject"]))
        return boxes

    def staff_mail(self) -> list[str]:
        return [m["subject"] for m in self.mail() if STAFF_MAILBOX in m["rcpt_tos"]]

    async def decisions(self) -> tuple[Counter, int]:
        """How many decisions each case got (distinct CloudEvents), and how many records were
        the same event published again (a relay killed between its publish and its mark does
        that; consumers drop them by id)."""
        records = await read_topic(self.broker.bootstrap, f"{self.prefix}vod.screening",
                                   at_least=len(self.cases), settle=2.0, timeout=60)
        events = [json.loads(r.value) for r in records]
        decided = {e["id"]: e["subject"] for e in events if e["type"] == DECIDED}
        return Counter(decided.values()), sum(e["type"] == DECIDED for e in events) - len(decided)

    async def dead_letters(self) -> int:
        return len(await read_topics(self.broker.bootstrap, [
            f"{self.prefix}{topic}.dlq"
            for topic in ("vod.intake", "vod.screening", "vod.people", "vod.keys")],
            timeout=2, settle=0.2))

    def healthz(self) -> dict[str, dict]:
        return {name: httpx.get(f"{p.url}/healthz", timeout=5).json()
                for name, p in self.services.items()}


async def account(run: FaultRun, fault: str, *, recovered_at: float, fault_ended: float,
                  may_be_unknown: int = 0) -> Counts:
    """Counts what the run ended with and asserts what must hold after any fault: every case
    decided once; every victim's two messages arrived once each, in order; nothing
    dead-lettered; staff told each review once and nothing else, but for a message whose
    sender was killed during the call (``may_be_unknown`` at most: it may or may not have
    arrived, is never sent again by itself, and staff are told); every service healthy again."""
    decided, republished = await run.decisions()
    boxes = run.mail_to_victims()
    states = await run.delivery_states()
    unknown = {kind: sum(n for (template, status), n in states.items() if status == "unknown"
                         and template.startswith("staff_") == (kind == "staff"))
               for kind in ("victim", "staff")}
    staff = Counter(run.staff_mail())
    counts = Counts(fault, len(run.cases), recovery_s=max(recovered_at - fault_ended, 0.0))
    counts.decided_once = sum(1 for case in run.cases if decided[case] == 1)
    counts.messages_once = sum(len(set(subjects)) for subjects in boxes.values()
                               if len(subjects) == len(set(subjects)))
    received = sum(len(set(subjects)) for subjects in boxes.values())
    counts.lost = (len(run.cases) - sum(1 for case in run.cases if decided[case])) + max(
        0, len(run.cases) * 2 - received - unknown["victim"])
    counts.duplicates = sum(n - 1 for n in decided.values() if n > 1) + sum(
        len(subjects) - len(set(subjects)) for subjects in boxes.values()) + sum(
        n - 1 for n in staff.values())
    counts.notes = {"unknown": sum(unknown.values()), "staff_told": sum(staff.values()),
                    "dead_letters": await run.dead_letters(), "republished": republished}
    print(counts.line())
    REPORT.append(counts)

    assert set(decided) == set(run.cases) and counts.decided_once == len(run.cases), decided
    assert (counts.lost, counts.duplicates) == (0, 0), (counts, boxes, staff)
    # every victim's messages in the same order (her case's reference aside)
    orders = {tuple(subjects) for subjects in boxes.values() if len(subjects) == 2}
    assert len(orders) <= 1, f"not in the same order: {orders}"
    assert counts.notes["dead_letters"] == 0 and counts.notes["unknown"] <= may_be_unknown, (
        counts.notes, dict(states))
    # staff: each case to review once, and one "may not have been delivered" per unknown
    reviews = {s.removeprefix(REVIEW_NEEDED) for s in staff if s.startswith(REVIEW_NEEDED)}
    assert reviews <= set(run.references)
    assert len(set(run.references) - reviews) <= unknown["staff"], staff
    told_unknown = sum(n for s, n in staff.items() if s.startswith(UNKNOWN_TOLD))
    assert told_unknown == sum(unknown.values()), (staff, unknown)
    assert sum(staff.values()) == len(reviews) + told_unknown, staff
    health = run.healthz()
    assert {name: h["status"] for name, h in health.items()} == {
        name: "ok" for name in health}, health
    return counts


REPORT: list[Counts] = []  # every run's counts, for the table at the end of the session
