"""The issue's figures through the real services: signed webhooks into intake, each case to
its EligibilityDetermined, and a custody escape fanned out as texts to a local
Twilio-compatible server."""
import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

from aiokafka import AIOKafkaConsumer, TopicPartition

from vod_devtools.webhooks import signed_headers

from ceilings import hammer
from stack import CpuSpent, Stack, at_rest

REGISTRANTS_EACH = 5
DECIDED = "vod.EligibilityDetermined.v1"


class TopicWatch:
    """Counts the events of each type on a topic as they arrive, and when the last came."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.bootstrap, self.topic = bootstrap, topic
        self.counts: dict[str, int] = {}
        self.first_at: dict[str, float] = {}
        self.last_at: dict[str, float] = {}
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await consumer.start()
        parts = [TopicPartition(self.topic, p) for p in consumer.partitions_for_topic(self.topic)
                 or await self._partitions(consumer)]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        self._task = asyncio.create_task(self._count(consumer))

    async def _partitions(self, consumer) -> set[int]:
        await consumer._client.force_metadata_update()
        return consumer.partitions_for_topic(self.topic) or {0}

    async def _count(self, consumer) -> None:
        try:
            while True:
                batches = await consumer.getmany(timeout_ms=500)
                now = time.perf_counter()
                for record in (r for part in batches.values() for r in part):
                    kind = json.loads(record.value)["type"] if record.value else "tombstone"
                    self.counts[kind] = self.counts.get(kind, 0) + 1
                    self.first_at.setdefault(kind, now)
                    self.last_at[kind] = now
        finally:
            await consumer.stop()

    async def wait_for(self, kind: str, count: int, timeout: float) -> float:
        """Waits until ``count`` events of ``kind`` arrived; returns when the last did."""
        deadline = time.perf_counter() + timeout
        while self.counts.get(kind, 0) < count:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{self.counts.get(kind, 0)} of {count} {kind} in {timeout} s")
            await asyncio.sleep(0.1)
        return self.last_at[kind]

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


def _signed(body: dict, secret: str) -> tuple[bytes, Callable[[], dict[str, str]]]:
    """The body, and its headers signed when it is sent (see ``hammer``)."""
    raw = json.dumps(body).encode()
    return raw, lambda: signed_headers(raw, secret)


def _requester(i: int, tag: str, **more) -> dict:
    return {"given_name": "Ana", "family_name": f"Bench{i}", "relationship": "victim",
            "email": f"p{i}.{tag}@example.org", "phone": _phone(i),
            "preferred_language": "en", "state": "CA", "time_zone": _where_it_is_midday(),
            **more}


def _phone(i: int) -> str:
    """A valid US number of its own (50,000 of them)."""
    area = ("619", "415", "213", "916", "510")[i // 10_000 % 5]
    return f"+1{area}555{i % 10_000:04d}"


def _where_it_is_midday() -> str:
    """A zone where it is about noon now: no text is held for the night."""
    ahead = 12 - datetime.now(timezone.utc).hour
    return "Etc/GMT" + (f"-{ahead}" if ahead > 0 else f"+{-ahead}" if ahead < 0 else "")


async def intake_to_eligibility(stack: Stack, bootstrap: str, cases: int,
                                watching: Callable[[TopicWatch, list[int]], Awaitable] | None = None
                                ) -> dict:
    """Signed dialogue requests into intake (32 in flight), then each case's decision.

    "Keeps up" is measured where the webhooks stop: how many cases were still undecided when
    the last webhook was answered (``backlog_at_end``), and how long after it the last decision
    came (``drain_s``). ``watching``, if given, runs beside the flow with the decisions' watch
    and the count of webhooks answered so far (a probe's sampler)."""
    tag = uuid.uuid4().hex[:6]
    bodies = [_signed({"kind": "dialogue_request",
                       "requester": _requester(i, tag, preferred_channel="email"),
                       "offender": {"cdcr_number": f"B{i % 100_000:05d}"}},
                      stack.intake_secret) for i in range(cases)]
    watch = TopicWatch(bootstrap, f"{stack.prefix}vod.screening")
    await watch.start()
    resting = await at_rest(stack)
    spent = CpuSpent(stack, at_rest_cores=resting)
    answered = [0]
    beside = asyncio.create_task(watching(watch, answered)) if watching else None
    try:
        burst = CpuSpent(stack, at_rest_cores=resting)
        webhooks = await hammer(f"{stack.url('intake')}/webhooks/requests", bodies,
                                answered=answered)
        undecided = webhooks["accepted"] - watch.counts.get(DECIDED, 0)
        # what each process spent while the webhooks came, per webhook accepted
        webhooks |= burst.done(max(webhooks["accepted"], 1))
        if webhooks["refused"]:  # a rate over the accepted ones alone would flatter intake
            raise RuntimeError(f"intake refused {webhooks['refused']} of {cases}: "
                               f"{webhooks['statuses']}")
        last = await watch.wait_for(DECIDED, webhooks["accepted"], timeout=max(180, cases / 2))
    finally:
        if beside:
            beside.cancel()
            await asyncio.gather(beside, return_exceptions=True)
        await watch.stop()
    # Each request's two emails (its acknowledgement, then the decision's "needs review": the
    # bench's offenders are on no roster) are sent before the next figure starts; waiting for
    # the acknowledgements alone left up to a request's worth of emails to the fan-out's CPU.
    await _arrived(stack.mail_file, 2 * webhooks["accepted"], timeout=max(180, cases))
    elapsed = last - webhooks.pop("began")
    drain = last - webhooks.pop("ended")
    return {"webhooks": webhooks,
            "eligibility": {"cases": webhooks["accepted"], "seconds": round(elapsed, 2),
                            "per_s": webhooks["accepted"] / elapsed,
                            "backlog_at_end": undecided, "drain_s": round(max(drain, 0.0), 2),
                            # the whole flow of a request: webhook, decision, both emails
                            **spent.done(webhooks["accepted"])}}


async def custody_fanout(stack: Stack, escapes: int) -> dict:
    """``escapes`` offenders with five registrants each (by text); each escape reported on
    the custody webhook; every text counted where it arrives."""
    tag, texts = uuid.uuid4().hex[:6], escapes * REGISTRANTS_EACH
    registrations = [_signed({
        "kind": "custody_notification_registration",
        "requester": _requester(escapes * 10 + i, tag, preferred_channel="sms"),
        "offender": {"cdcr_number": _offender(i // REGISTRANTS_EACH)},
        "notify_on": ["escape"]}, stack.intake_secret) for i in range(texts)]
    registered = await hammer(f"{stack.url('intake')}/webhooks/requests", registrations)
    if registered["accepted"] != texts:
        raise RuntimeError(f"registrations refused: {registered['statuses']}")
    await _texts_arrived(stack, texts, timeout=max(180, texts / 2))  # their acknowledgements
    reports = [_signed({"cdcr_number": _offender(e), "change": "escape", "status": "escaped",
                        "facility_code": None, "details": {},
                        "effective_at": datetime.now(timezone.utc).isoformat()},
                       stack.custody_secret) for e in range(escapes)]
    mails = len(await _arrived(stack.mail_file, 0, timeout=0))
    spent = CpuSpent(stack, at_rest_cores=await at_rest(stack))
    answered = time.time()  # the first escape's webhook answers within ms of this
    webhooks = await hammer(f"{stack.url('screening')}/webhooks/custody", reports,
                            in_flight=min(32, escapes))
    if webhooks["refused"]:
        raise RuntimeError(f"custody reports refused: {webhooks['statuses']}")
    sent = await _texts_arrived(stack, texts * 2, timeout=max(180, texts / 2))
    urgent = sorted(at for at, body in sent if body.startswith("URGENT"))
    # an escape goes on every channel: each registrant's email too, in the CPU it costs
    await _arrived(stack.mail_file, mails + texts, timeout=max(180, texts / 2))
    return {"escapes": webhooks["accepted"], "texts": len(urgent),
            # CPU of the escapes' work (each text and its email), per text, by process
            **spent.done(len(urgent)),
            "first_text_s": round(urgent[0] - answered, 2),
            "seconds": round(urgent[-1] - answered, 2),
            "per_s": len(urgent) / (urgent[-1] - answered)}


def _offender(n: int) -> str:
    return f"E{n % 100_000:05d}"


async def _arrived(path, count: int, timeout: float) -> list[str]:
    """The catcher's records in ``path`` once there are ``count``. Read as they come: a look
    at the whole file every time would take a growing share of the very cores the bench
    measures (a thousand emails are some megabytes)."""
    deadline = time.monotonic() + timeout
    lines: list[str] = []
    held, position = b"", 0
    while True:
        if path.exists():
            with open(path, "rb") as file:
                file.seek(position)
                chunk = file.read()
            position += len(chunk)
            complete, newline, held = (held + chunk).rpartition(b"\n")
            if newline:  # a line still being written is not one
                lines += complete.decode().split("\n")
        if len(lines) >= count:
            return lines
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(lines)} of {count} arrived at {path.name} in {timeout} s")
        await asyncio.sleep(0.2)


async def _texts_arrived(stack: Stack, count: int, timeout: float) -> list[tuple[float, str]]:
    texts = [json.loads(line) for line in await _arrived(stack.sms_file, count, timeout)]
    return [(datetime.fromisoformat(t["received_at"]).timestamp(), t["body"]) for t in texts]
