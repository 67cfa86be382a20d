"""Each service's resident memory (MiB) after start, after a burst and 12 s later, as JSON.

A probe for issue 13's memory target, not part of ``make bench`` (which reads it once, at its
end): the four services as ``make run`` starts them on their own broker, then ``cases`` signed
requests through intake to their decisions and ``escapes`` escapes to five registrants each.

    python bench/memory.py 1000 100

Each ``*_split`` says, per service, how much of that RSS is the process's own memory (``anon``:
the C heaps and CPython's arenas, what imports and live objects take) and how much is mapped
files (``file``: shared libraries' code and data, as far as touched), from
``/proc/<pid>/smaps_rollup``.
"""
import asyncio
import json
import sys
from pathlib import Path

import flows
from stack import SERVICES, Stack, own_stack


def split_mib(stack: Stack) -> dict[str, dict[str, float]]:
    """Each service's RSS as its own memory and mapped files (MiB)."""
    sizes = {}
    for name in SERVICES:
        rollup = Path(f"/proc/{stack.processes[name].pid}/smaps_rollup").read_text()
        kib = {key: int(value.split()[0]) for key, value in (
            line.split(":", 1) for line in rollup.splitlines()[1:])}
        sizes[name] = {"anon": round(kib["Anonymous"] / 1024, 1),
                       "file": round((kib["Rss"] - kib["Anonymous"]) / 1024, 1)}
    return sizes


async def main() -> None:
    cases, escapes = int(sys.argv[1]), int(sys.argv[2])
    out = {}
    async with own_stack("vod-memory-") as stack:
        out["start_s"] = round(stack.start_s, 1)
        await asyncio.sleep(3)
        out["after_start"] = stack.rss_mib()
        out["after_start_split"] = split_mib(stack)
        out["intake"] = await flows.intake_to_eligibility(stack, stack.bootstrap, cases)
        out["fanout"] = await flows.custody_fanout(stack, escapes)
        out["after_burst"] = stack.rss_mib()
        await asyncio.sleep(12)
        out["after_burst_12s"] = stack.rss_mib()
        out["after_burst_12s_split"] = split_mib(stack)
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main())
