"""The custody fan-out alone (the sender's figure of issue 13), on its own broker and stack:
``python bench/fanout.py [escapes]`` (five texts each; default 60 = 300 texts). With
``BENCH_PROFILE=<file>`` notifications runs under cProfile and writes its profile there when
the stack stops."""
import asyncio
import json
import os
import sys
import tempfile
import uuid
from contextlib import nullcontext
from pathlib import Path

from vod_devtools.kafka import LocalKafka, ensure_topics
from vod_devtools.net import free_port
from vod_shared.topics import all_topics

import flows
from stack import Stack


async def measure(escapes: int) -> dict:
    # BENCH_KEEP=1 keeps the services' logs and stores for a look afterwards
    keep = os.environ.get("BENCH_KEEP")
    with (nullcontext(tempfile.mkdtemp(prefix="vod-fanout-")) if keep
          else tempfile.TemporaryDirectory(prefix="vod-fanout-")) as tmp:
        work = Path(tmp)
        print(f"in {work}", file=sys.stderr)
        broker = LocalKafka(work / "kafka", free_port(), free_port())
        await broker.start()
        try:
            prefix = f"b{uuid.uuid4().hex[:8]}."
            await ensure_topics(broker.bootstrap, all_topics(prefix))
            (work / "stack").mkdir()
            stack = Stack(broker.bootstrap, work / "stack", prefix,
                          profile=os.environ.get("BENCH_PROFILE"))
            try:
                await stack.start()
                return await flows.custody_fanout(stack, escapes)
            finally:
                stack.stop()
        finally:
            broker.stop()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 60))))
