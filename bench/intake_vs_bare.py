"""Intake's signed webhook against the bare endpoint, alone on the machine, back to back.

A probe for issue 13 (intake >= 50 % of a bare FastAPI endpoint doing one SQLite insert), not
part of ``make bench``: the same ceiling and the same 32 requests in flight as there, but with
intake the only service running (its broker up, its outbox relay publishing), so the ratio
says what intake's own work costs rather than what its neighbours take from the machine.
Prints both rates, the ratio, the CPU each process spent per request (the steadier figure
on a shared machine) and intake's resident memory after start and after the burst.

    python bench/intake_vs_bare.py --requests 1000 --rounds 2 [--profile FILE]

``--profile FILE``: intake runs under cProfile (start-up included) and writes its profile to FILE
when it stops; its rate is then not comparable.
"""
import argparse
import asyncio
import os
import sys
import uuid
from pathlib import Path

from ceilings import bare_app, bare_bodies, hammer
from flows import _requester, _signed
from stack import Stack, own_stack


def _cpu_s(pid: int) -> float:
    """The CPU time a process has used (user + system), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _timed(pid: int, running) -> dict:
    """``running``'s result with the ms of CPU ``pid`` spent per accepted request: unlike
    the rate, hardly moved by what else runs on the machine."""
    before = _cpu_s(pid)
    result = await running
    await asyncio.sleep(2)  # the outbox relay's last events: intake's work too
    result["cpu_ms_each"] = 1000 * (_cpu_s(pid) - before) / max(result["accepted"], 1)
    return result


async def bare_endpoint(workdir: Path, count: int) -> dict:
    """``ceilings.bare_endpoint``, with its CPU per request."""
    async with bare_app(workdir) as (url, proc):
        result = await _timed(proc.pid, hammer(url, bare_bodies(count)))
    result.pop("began"), result.pop("ended")
    return result


async def intake_alone(stack: Stack, count: int, first: int) -> dict:
    """``count`` new requesters (numbered from ``first``: no phone or offender met before)."""
    tag = uuid.uuid4().hex[:6]
    bodies = [_signed({"kind": "dialogue_request",
                       "requester": _requester(i, tag, preferred_channel="email"),
                       "offender": {"cdcr_number": f"B{i % 100_000:05d}"}},
                      stack.intake_secret) for i in range(first, first + count)]
    result = await hammer(f"{stack.url('intake')}/webhooks/requests", bodies)
    result.pop("began"), result.pop("ended")
    return result


async def measure(count: int, rounds: int, profile: str | None = None) -> None:
    async with own_stack("vod-intake-bench-", services=("intake",), catchers=False,
                         profile=profile, profiled="intake") as stack:
        # (stopped with SIGINT when profiled: uvicorn re-raises it, cProfile then writes)
        intake = stack.processes["intake"]
        await asyncio.sleep(2)
        print(f"intake RSS after start: {stack.rss_mib()['intake']} MiB", flush=True)
        for round_ in range(1, rounds + 1):
            bare = await bare_endpoint(stack.workdir.parent, count)
            ours = await _timed(intake.pid, intake_alone(
                stack, count, first=(round_ - 1) * count))
            print(f"round {round_}: bare {bare['per_s']:.0f} req/s "
                  f"({bare['statuses']}), intake {ours['per_s']:.0f} req/s "
                  f"({ours['statuses']}): {100 * ours['per_s'] / bare['per_s']:.0f} % "
                  f"of bare; CPU per request: bare {bare['cpu_ms_each']:.1f} ms, "
                  f"intake {ours['cpu_ms_each']:.1f} ms", flush=True)
            for error in bare.get("errors", []) + ours.get("errors", []):
                print(f"  no answer: {error}", flush=True)
        rss = stack.rss_mib()["intake"]
        print(f"intake RSS after {rounds * count} requests: {rss} MiB "
              f"({rss * 1.048576:.1f} MB)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile", metavar="FILE", help="run intake under cProfile")
    args = parser.parse_args()
    asyncio.run(measure(args.requests, args.rounds, args.profile))
    return 0


if __name__ == "__main__":
    sys.exit(main())
