"""The custody fan-out alone (the sender's figure of issue 13), on its own broker and stack:
``python bench/fanout.py [escapes]`` (five texts each; default 60 = 300 texts). With
``BENCH_PROFILE=<file>`` notifications runs under cProfile and writes its profile there when
the stack stops."""
import asyncio
import json
import os
import sys

import flows
from stack import own_stack


async def measure(escapes: int) -> dict:
    # BENCH_KEEP=1 keeps the services' logs and stores for a look afterwards
    async with own_stack("vod-fanout-", keep=bool(os.environ.get("BENCH_KEEP")), tell=True,
                         profile=os.environ.get("BENCH_PROFILE")) as stack:
        return await flows.custody_fanout(stack, escapes)


if __name__ == "__main__":
    print(json.dumps(asyncio.run(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 60))))
