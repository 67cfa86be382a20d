"""Where the webhook → EligibilityDetermined backlog sits, over time (issue 13, "keeps up").

A probe, not part of ``make bench``: its own broker and the four services as ``make bench``
starts them, then the same flow (signed requests into intake, 32 in flight, each case to its
decision), sampled every ``--every`` seconds from outside the services (their SQLite stores
read directly, the topics read by a consumer of the probe's own):

- ``hooks``: webhooks answered so far;
- ``intake_ob``: intake's outbox rows not yet published;
- ``received``: RequestReceived on the intake topic (published by intake's relay);
- ``decided``: EligibilityDetermined on the screening topic;
- ``screen_ob``: screening's outbox rows not yet published.

``received - decided - screen_ob`` is what waits in (or for) screening's consumer. Prints one
line per sample and the summary: intake's rate, the decisions' rate, the backlog when the last
webhook answered and how long it took to drain.

    python bench/flow_backlog.py --requests 1000 [--every 0.5] [--rounds 1]
"""
import argparse
import asyncio
import sqlite3
import time
from pathlib import Path

import flows
from stack import Stack, own_stack

DECIDED = "vod.EligibilityDetermined.v1"
RECEIVED = "vod.RequestReceived.v1"


def _unpublished(db: Path) -> int | None:
    if not db.exists():
        return None
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL"
                                ).fetchone()[0]
    except sqlite3.Error:
        return None


async def _sample(stack: Stack, received: flows.TopicWatch, decided: flows.TopicWatch,
                  answered: list[int], every: float) -> None:
    var, t0 = stack.workdir / "var", time.perf_counter()
    while True:
        sample = {"t": f"{time.perf_counter() - t0:6.2f}", "hooks": answered[0],
                  "intake_ob": _unpublished(var / "intake.db"),
                  "received": received.counts.get(RECEIVED, 0),
                  "decided": decided.counts.get(flows.DECIDED, 0),
                  "screen_ob": _unpublished(var / "screening.db")}
        print("  ".join(f"{k}={v}" for k, v in sample.items()), flush=True)
        await asyncio.sleep(every)


async def one_round(stack: Stack, bootstrap: str, requests: int, every: float) -> dict:
    received = flows.TopicWatch(bootstrap, f"{stack.prefix}vod.intake")
    await received.start()
    try:
        return await flows.intake_to_eligibility(
            stack, bootstrap, requests,
            watching=lambda decided, answered: _sample(stack, received, decided, answered,
                                                      every))
    finally:
        await received.stop()


async def main(requests: int, every: float, rounds: int) -> None:
    async with own_stack("vod-flow-") as stack:
        for n in range(rounds):
            result = await one_round(stack, stack.bootstrap, requests, every)
            print(f"round {n + 1}: {result}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--every", type=float, default=0.5)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.every, args.rounds))
