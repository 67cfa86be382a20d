"""The fault suite: `make test-faults` runs all of it (``-m faults``); `make test` runs only the
tests also marked ``faults_ci`` (a CI-sized part, about two minutes). A fault test named on the
command line (its file or folder) runs too."""
import dataclasses
from pathlib import Path

import pytest

from vod_devtools.pytest_fixtures import FAULT_COUNTS

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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Each fault run's counts go with its test's report, so the table at the end has them
    wherever the test ran (``make test`` runs tests in worker processes: ``vod_devtools.
    pytest_fixtures`` gathers the counts and prints the table)."""
    report = yield
    while REPORT:
        report.user_properties.append((FAULT_COUNTS, dataclasses.asdict(REPORT.pop(0))))
    return report
