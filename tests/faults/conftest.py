"""The fault suite: `make test-faults` runs all of it (``-m faults``); `make test` runs only the
tests also marked ``faults_ci`` (a CI-sized part, about two minutes). A fault test named on the
command line (its file or folder) runs too."""
from pathlib import Path

from .harness import REPORT

HERE = Path(__file__).parent.resolve()


def _asked_for_faults(config) -> bool:
    if "faults" in (config.getoption("markexpr") or "").replace("faults_ci", ""):
        return True
    return any(Path(arg.split("::")[0]).resolve().is_relative_to(HERE) for arg in config.args)


def pytest_collection_modifyitems(config, items):
    if _asked_for_faults(config):
        return
    kept, left = [], []
    for item in items:
        wanted = item.get_closest_marker("faults") is None or item.get_closest_marker("faults_ci")
        (kept if wanted else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


def pytest_terminal_summary(terminalreporter):
    if not REPORT:
        return
    header = ("fault", "requests", "decided once", "messages once", "lost", "duplicates",
              "recovery s")
    rows = [(c.fault, str(c.requests), "-" if c.decided_once is None else str(c.decided_once),
             str(c.messages_once), str(c.lost),
             str(c.duplicates), f"{c.recovery_s:.1f}") for c in REPORT]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    terminalreporter.section("fault suite")
    for row in [header, tuple("-" * w for w in widths), *rows]:
        terminalreporter.write_line("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))
