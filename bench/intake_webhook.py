"""Intake's signed webhook alone: statements and CPU per accepted request (SQLite, no broker).

A probe for issue 13 (intake in one transaction with as few statements as possible), not part
of ``make bench``. The app is called in-process (httpx's ASGI transport), one request at a
time, each a new victim's request about a new offender, so each opens a case.

    python bench/intake_webhook.py --requests 300 [--profile]
    python bench/intake_webhook.py --requests 10000 --every 1000 --plans

``--every N`` prints the CPU per request of each N in turn: a cost that grows with the
store (a scan where an index was meant) shows as a rising column. ``--plans`` prints SQLite's
plan of each statement of the request path on the store as it is at the end.

``--profile [FILE]`` runs the timed requests under cProfile, prints where the time goes and
saves the stats to FILE (for ``pstats``' callers and callees).
"""
import argparse
import asyncio
import cProfile
import pstats
import json
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

from sqlalchemy import event


async def run(workdir: Path, count: int, profile: str | None = None, every: int = 0,
              plans: bool = False) -> None:
    # httpx's ASGI transport tries ``import sniffio`` on every request, and it is not installed:
    # a failed import each time (a search of sys.path), the client's CPU rather than intake's.
    sys.modules.setdefault("sniffio", None)
    from intake_tests.conftest import dialogue_request, intake_on

    async for client in intake_on(workdir, f"sqlite+aiosqlite:///{workdir}/intake.db"):
        statements: Counter[str] = Counter()
        examples: dict[str, tuple] = {}  # each statement with the parameters it last had

        def seen(_conn, _cursor, sql, parameters, *_):
            statements.update([" ".join(sql.split())[:100]])
            examples[sql] = parameters

        event.listen(client.runtime.engine.sync_engine, "before_cursor_execute", seen)
        bodies = [json.dumps(dialogue_request(
            requester__email=f"p{uuid.uuid4().hex[:10]}@example.org",
            offender__cdcr_number=f"A{i % 99999:05d}")).encode() for i in range(count + 20)]
        for body in bodies[:20]:  # warm-up: caches, first connections
            assert (await client.post(body)).status_code == 202
        statements.clear()
        profiler = cProfile.Profile() if profile else None
        wall, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        chunk = (time.perf_counter(), time.process_time())
        for done, body in enumerate(bodies[20:], start=1):
            response = await client.post(body)
            assert response.status_code == 202, response.text
            if every and done % every == 0:
                now = (time.perf_counter(), time.process_time())
                print(f"  requests {done - every + 1:>6}-{done:<6} "
                      f"{1000 * (now[1] - chunk[1]) / every:6.2f} ms CPU, "
                      f"{1000 * (now[0] - chunk[0]) / every:6.2f} ms wall each", flush=True)
                chunk = now
        if profiler:
            profiler.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{count} webhooks: {count / wall:.0f} req/s wall, {1000 * cpu / count:.2f} ms CPU "
              f"each, {sum(statements.values()) / count:.1f} statements each:")
        for sql, times in statements.most_common():
            print(f"  {times / count:5.2f}  {sql}")
        if plans:
            await _print_plans(client.runtime.engine, examples)
        if profiler:
            if profile != "-":
                profiler.dump_stats(profile)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(40)


async def _print_plans(engine, examples: dict[str, tuple]) -> None:
    """SQLite's plan of each statement seen, with the parameters it last had: a ``SCAN`` of a
    table that grows with the requests is the cost that grows."""
    async with engine.connect() as conn:
        for sql, parameters in list(examples.items()):
            if not sql.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE")):
                continue
            one = parameters[0] if isinstance(parameters, list) and parameters else parameters
            rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", one)
            print(" ".join(sql.split())[:110])
            for row in rows:
                print(f"    {row[-1]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", nargs="?", const="-", metavar="FILE",
                        help="cProfile the timed requests (and save the stats to FILE)")
    parser.add_argument("--every", type=int, default=0, metavar="N",
                        help="print the CPU per request of each N requests in turn")
    parser.add_argument("--plans", action="store_true",
                        help="print SQLite's plan of each statement at the end")
    args = parser.parse_args()
    from vod_shared.logging import configure_logging
    configure_logging(service="bench", fmt="json", level="WARNING")
    with tempfile.TemporaryDirectory(prefix="vod-intake-") as tmp:
        asyncio.run(run(Path(tmp), args.requests, args.profile, args.every, args.plans))
    return 0


if __name__ == "__main__":
    sys.exit(main())
