"""The ceilings every figure is a ratio to: the raw aiokafka relay on this broker, and a bare
FastAPI endpoint doing one SQLite insert on this machine."""
import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from vod_devtools.kafka import ensure_topics
from vod_devtools.net import free_port

HERE = Path(__file__).parent


async def raw_relay(bootstrap: str, count: int) -> dict:
    """Consume → produce (acks=all, idempotent), offsets committed after each batch's acks:
    what the broker and aiokafka can do here with no database and no logic."""
    source, target = f"raw{uuid.uuid4().hex[:8]}.in", f"raw{uuid.uuid4().hex[:8]}.out"
    await ensure_topics(bootstrap, {source: {}, target: {}})
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        value = b"x" * 600  # about the size of one of our CloudEvents
        acks = [await producer.send(source, value=value, key=f"case-{i % 500}".encode())
                for i in range(count)]
        await asyncio.gather(*acks)
        consumer = AIOKafkaConsumer(source, bootstrap_servers=bootstrap, group_id=source,
                                    enable_auto_commit=False, auto_offset_reset="earliest")
        await consumer.start()
        try:
            moved, began, previous = 0, None, ([], {})
            while moved < count:
                batches = await consumer.getmany(timeout_ms=1000, max_records=2000)
                records = [r for part in batches.values() for r in part]
                if records and began is None:
                    began = time.perf_counter()
                # this batch goes out while the last one's acks come back; its offsets are
                # committed once they have
                acks = [await producer.send(target, value=r.value, key=r.key) for r in records]
                await _commit_after(consumer, *previous)
                previous = (acks, {tp: part[-1].offset + 1 for tp, part in batches.items() if part})
                moved += len(records)
            await _commit_after(consumer, *previous)
            elapsed = time.perf_counter() - began
        finally:
            await consumer.stop()
    finally:
        await producer.stop()
    return {"events": count, "seconds": round(elapsed, 2), "per_s": count / elapsed}


async def _commit_after(consumer: AIOKafkaConsumer, acks: list, offsets: dict) -> None:
    if acks:
        await asyncio.gather(*acks)
        await consumer.commit(offsets)


Headers = dict[str, str] | Callable[[], dict[str, str]]


async def hammer(url: str, bodies: list[tuple[bytes, Headers]], *, in_flight: int = 32,
                 answered: list[int] | None = None) -> dict:
    """POSTs every body with ``in_flight`` requests at once; accepted requests a second over
    the whole run, and how many were ``refused`` (any answer but a 2xx, or none).

    Headers given as a function are made as the request goes out: a signature made when the
    list was built would be older than the receiver's tolerance (five minutes) by the end of
    a long run, as a provider's never is. ``answered``, if given, is a one-element counter of
    the answers so far, for a probe watching the run."""
    statuses: dict[int | str, int] = {}
    errors: list[str] = []
    queue = iter(bodies)
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        async def worker() -> None:
            for body, headers in queue:
                try:
                    response = await client.post(
                        url, content=body, headers=headers() if callable(headers) else headers)
                    status = response.status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                    # what the socket said (reset by the peer? closed?) and when in the run
                    if len(errors) < 10:
                        errors.append(f"{time.perf_counter() - began:.1f} s: "
                                      f"{exc.__cause__ or exc!r}")
                statuses[status] = statuses.get(status, 0) + 1
                if answered is not None:
                    answered[0] += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(in_flight)))
        elapsed = time.perf_counter() - began
    accepted = sum(n for status, n in statuses.items() if isinstance(status, int) and status < 300)
    return {"requests": len(bodies), "accepted": accepted, "refused": len(bodies) - accepted,
            "statuses": statuses, **({"errors": errors} if errors else {}),
            "seconds": round(elapsed, 2), "per_s": accepted / elapsed, "began": began,
            "ended": began + elapsed}


@asynccontextmanager
async def bare_app(workdir: Path) -> AsyncIterator[tuple[str, subprocess.Popen]]:
    """The bare endpoint served by uvicorn (its store in ``workdir``): its URL and process."""
    port = free_port()
    env = {**os.environ, "BENCH_BARE_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bare.db'}"}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "bare_app:app", "--port", str(port),
                             "--log-level", "warning", "--no-access-log"], cwd=HERE, env=env)
    try:
        await _healthy(f"http://127.0.0.1:{port}/docs", proc)
        yield f"http://127.0.0.1:{port}/items", proc
    finally:
        proc.terminate()
        proc.wait(30)


def bare_bodies(count: int) -> list[tuple[bytes, Headers]]:
    body = b'{"kind": "dialogue_request", "notes": "' + b"x" * 400 + b'"}'
    return [(body, {"content-type": "application/json"})] * count


async def bare_endpoint(workdir: Path, count: int) -> dict:
    from stack import process_cpu_s

    async with bare_app(workdir) as (url, proc):
        before = process_cpu_s(proc.pid)
        result = await hammer(url, bare_bodies(count))
        # its CPU per request: what intake's share is measured against, where it is missed
        result["cpu_ms_each"] = round(
            1000 * (process_cpu_s(proc.pid) - before) / max(result["accepted"], 1), 2)
    result.pop("began"), result.pop("ended")
    return result


async def _healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{url}: the process exited {proc.returncode}")
            try:
                if (await client.get(url, timeout=2)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)
    raise TimeoutError(f"{url} did not answer in {timeout} s")
