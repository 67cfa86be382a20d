"""A stop asked for (SIGTERM from ``systemctl stop``, Ctrl-C) while a service is still starting.

uvicorn notes such a signal but acts on it only once the application has started; a service
waiting for a broker that is down would never start, and so never stop. While it waits, the
signals also reach ``on_stop``; whatever handled them before (uvicorn) still does. One that
uvicorn caught before the block began (between its taking the signals and the start) counts too.

And a stop once started: each loop that retries on errors ends when its task is cancelled
(``stop_if_cancelled``).
"""
import asyncio
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import structlog

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_log = structlog.get_logger("vod.stopping")
# How long an idle kept-alive connection stays open: longer than a client keeps one in its pool
# (httpx 5 s, Go 90 s, Caddy's reverse_proxy 2 min), so the client is the one to close it.
# With uvicorn's 5 s, a request sent on a connection idle for about 5 s could reach the
# service just as it closed the connection: the sender saw a reset and the request was never
# read (a busy loop ran the due timer before it read the socket; docs/performance.md).
KEEP_ALIVE_S = 150


@contextmanager
def stop_requests(on_stop: Callable[[], None]) -> Iterator[None]:
    """Calls ``on_stop`` (in the event loop) on SIGINT or SIGTERM while inside the block."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only (a test client runs the app in another)
        return
    loop = asyncio.get_running_loop()
    # None: a handler installed outside Python, which cannot be put back; the default then
    before = {sig: _or_default(signal.getsignal(sig)) for sig in STOP_SIGNALS}
    unhandled: list[int] = []  # came while nothing of Python's handled them before

    def handler(sig: int, frame) -> None:
        if before[sig] == signal.SIG_IGN:
            return
        loop.call_soon_threadsafe(on_stop)
        if callable(before[sig]):
            before[sig](sig, frame)
        elif before[sig] == signal.SIG_DFL:
            unhandled.append(sig)

    for sig in STOP_SIGNALS:
        signal.signal(sig, handler)
    if any(_already_asked(previous) for previous in before.values()):
        loop.call_soon(on_stop)  # came after uvicorn took the signals, before this block
    try:
        yield
    finally:
        for sig, previous in before.items():
            signal.signal(sig, previous)
        for sig in unhandled:  # what it would have done without this block: end the process
            signal.raise_signal(sig)


def _already_asked(handler) -> bool:
    """Whether ``handler`` is uvicorn's (``Server.handle_exit``) and has caught a stop already:
    uvicorn acts on it only once the start is over, which a broker that is down never ends."""
    return getattr(getattr(handler, "__self__", None), "should_exit", False) is True


def _or_default(handler):
    return signal.SIG_DFL if handler is None else handler


def serve(app, settings) -> None:
    """``python -m <service>``: serves ``app`` until SIGTERM or Ctrl-C. A stop on request is a
    clean exit (status 0), whether the service had started or was still waiting to."""
    import uvicorn

    # uvicorn raises the signal again once it has stopped, for the handler found before it:
    # this one, so the process ends with 0 rather than killed by the signal. Before uvicorn
    # takes the signals over, it ends the process at once, as cleanly.
    for sig in STOP_SIGNALS:
        signal.signal(sig, _exit_cleanly)
    uvicorn.run(app, host=settings.bind_host, port=settings.effective_port(), log_config=None,
                timeout_graceful_shutdown=20, timeout_keep_alive=KEEP_ALIVE_S)


def _exit_cleanly(sig: int, frame) -> None:
    raise SystemExit(0)


def stop_if_cancelled(cause: BaseException | None = None) -> None:
    """Raises ``CancelledError`` when the current task has been cancelled (``Task.cancel``),
    for a loop that retries on errors: called first in each round, and where it catches one. A
    clean-up run as a cancellation unwinds (a rollback, the relay's unlock on a PostgreSQL
    connection cut off mid-statement) can fail, and its error then takes the
    ``CancelledError``'s place. The loop went on for ever, and whoever stopped it waited for
    ever (a service's stop hung on its relay).

    ``asyncio.timeout``, ``wait_for`` and anyio's scopes take back the cancels they make. An
    ``asyncio.TaskGroup`` does not when a child fails after its block has ended (Python 3.11):
    a loop must not run on in a task that has come through one."""
    task = asyncio.current_task()
    if task is None or not task.cancelling():
        return
    if cause is not None:  # the root cause of what failed on the way out
        _log.info("task.cancelled_mid_clean_up", task=task.get_name(), error=type(cause).__name__)
    raise asyncio.CancelledError() from cause


# How long a stop waits for one of the service's own loops to end once cancelled
TASK_STOP_WAIT_S = 10.0


async def cancel_and_wait(task: asyncio.Task, within_s: float = TASK_STOP_WAIT_S) -> None:
    """Cancels ``task`` and waits at most ``within_s`` for it to end, so that a stop never waits
    for ever on a loop that did not end (``task.stop_cut_off``, the stop goes on). What it ended
    with, if not its cancel, is logged (``task.failed``), not raised into the rest of the stop."""
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=within_s)
    if not done:
        _log.error("task.stop_cut_off", task=task.get_name(), waited_s=within_s,
                   reason="it did not end when cancelled; the stop goes on without it")
    elif not task.cancelled() and (error := task.exception()) is not None:
        _log.error("task.failed", task=task.get_name(), error=type(error).__name__)
