"""What a service's C allocator keeps after a burst, given back.

CPython frees its large objects (over 512 bytes: request bodies, rows, compiled statements)
through glibc's malloc, which keeps freed memory in the middle of its heaps instead of giving
it back, and opens a heap per thread that allocates (FastAPI's worker threads, asyncio's
executor), up to eight per core. A service then stays at its burst's peak. Two calls of
glibc's own fix that: at most two heaps (``MALLOC_ARENA_MAX=2``, set here for every way a
service is started), and ``malloc_trim(0)``, which hands the free pages back, every little while.
Elsewhere than on glibc (musl, macOS) both do nothing.
"""
import asyncio
import ctypes
import ctypes.util
import os
from functools import cache

_M_ARENA_MAX = -8  # glibc's malloc.h


@cache
def _libc():
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    libc = ctypes.CDLL(name)
    if not hasattr(libc, "malloc_trim") or not hasattr(libc, "mallopt"):
        return None
    return libc


def limit_heaps(count: int = 2) -> bool:
    """At most ``count`` malloc heaps, unless MALLOC_ARENA_MAX says otherwise; before threads
    start. False where there is no glibc."""
    libc = _libc()
    if libc is None:
        return False
    if "MALLOC_ARENA_MAX" not in os.environ:
        libc.mallopt(_M_ARENA_MAX, count)
    return True


def give_back() -> bool:
    """Free pages of the C heaps returned to the system; True when some were."""
    libc = _libc()
    return bool(libc is not None and libc.malloc_trim(0))


async def give_back_every(interval_s: float) -> None:
    """A task for the service's lifetime: a trim takes a few milliseconds."""
    while True:
        await asyncio.sleep(interval_s)
        give_back()
