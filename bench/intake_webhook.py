"""Intake's signed webhook alone: statements and CPU per accepted request (SQLite, no broker).

A probe for issue 13 (intake in one transaction with as few statements as possible), not part
of ``make bench``. The app is called in-process (httpx's ASGI transport), one request at a
time, each a new victim's request about a new offender, so each opens a case.

    python bench/intake_webhook.py --requests 300 [--profile]

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


async def run(workdir: Path, count: int, profile: str | None = None) -> None:
    # httpx's ASGI transport tries ``import sniffio`` on every request, and it is not installed:
    # a failed import each time (a search of sys.path), the client's CPU rather than intake's.
    sys.modules.setdefault("sniffio", None)
    from intake_tests.conftest import dialogue_request, intake_on

    async for client in intake_on(workdir, f"sqlite+aiosqlite:///{workdir}/intake.db"):
        statements: Counter[str] = Counter()
        event.listen(client.runtime.engine.sync_engine, "before_cursor_execute",
                     lambda _c, _cur, sql, *_: statements.update([" ".join(sql.split())[:100]]))
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
        for body in bodies[20:]:
            response = await client.post(body)
            assert response.status_code == 202, response.text
        if profiler:
            profiler.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{count} webhooks: {count / wall:.0f} req/s wall, {1000 * cpu / count:.2f} ms CPU "
              f"each, {sum(statements.values()) / count:.1f} statements each:")
        for sql, times in statements.most_common():
            print(f"  {times / count:5.2f}  {sql}")
        if profiler:
            if profile != "-":
                profiler.dump_stats(profile)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(40)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", nargs="?", const="-", metavar="FILE",
                        help="cProfile the timed requests (and save the stats to FILE)")
    args = parser.parse_args()
    from vod_shared.logging import configure_logging
    configure_logging(service="bench", fmt="json", level="WARNING")
    with tempfile.TemporaryDirectory(prefix="vod-intake-") as tmp:
        asyncio.run(run(Path(tmp), args.requests, args.profile))
    return 0


if __name__ == "__main__":
    sys.exit(main())
