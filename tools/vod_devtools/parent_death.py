"""Children that must not outlive the process that started them (the test run's broker, its
PostgreSQL's watcher): Linux's parent-death signal."""
import ctypes
import signal


def _prctl():
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except OSError:
        return None


_PRCTL = _prctl()  # looked up here: in a child before exec, only the call (no dlopen)


def signal_on_parent_death(sig: int = signal.SIGTERM) -> None:
    """In a child before exec (``preexec_fn``): Linux sends it ``sig`` when its parent dies.
    A no-op where prctl is unavailable."""
    if _PRCTL is not None:
        _PRCTL(1, sig)  # PR_SET_PDEATHSIG
