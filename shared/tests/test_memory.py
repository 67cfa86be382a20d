"""A service gives back to the system the memory a burst left free in the C heaps."""
import subprocess
import sys
import textwrap

import pytest

from vod_shared import memory

BURST = textwrap.dedent("""
    import sys
    from vod_shared.memory import give_back, limit_heaps

    def rss_mib():
        status = open("/proc/self/status").read().splitlines()
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024

    limit_heaps()
    burst = [bytes(4096) for _ in range(20_000)]  # 80 MiB of request-sized objects
    pinned = bytes(4096)  # allocated last: the freed space sits below it, not at the top
    del burst
    before = rss_mib()
    gave = give_back()
    print(gave, round(before - rss_mib(), 1))
""")


@pytest.mark.skipif(memory._libc() is None, reason="glibc's malloc_trim is what is tested")
def test_the_free_pages_a_burst_left_go_back_to_the_system():
    done = subprocess.run([sys.executable, "-c", BURST], capture_output=True, text=True,
                          timeout=60, check=True, env={"PYTHONPATH": ":".join(sys.path)})
    gave, mib = done.stdout.split()
    assert gave == "True"
    assert float(mib) > 40
