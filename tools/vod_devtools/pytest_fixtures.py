"""Fixtures for the integration tests: a real Kafka broker and real databases.

The broker: ``KAFKA_BOOTSTRAP_SERVERS`` if set; else testcontainers' Kafka where a Docker
engine answers; else the project's own broker from the Apache jars, on free ports in a
temporary directory, started once per test run. Each test gets its own topic prefix and so
its own topics and consumer groups.
"""

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from vod_devtools.kafka import LocalKafka, ensure_topics
from vod_devtools.net import free_port
from vod_devtools.postgres import TempPostgres, ensure_installed

# A test report's property holding one fault run's counts (tests/faults), as a dict
FAULT_COUNTS = "fault_counts"
_FAULT_COLUMNS = (("fault", "fault"), ("requests", "requests"), ("decided once", "decided_once"),
                  ("messages once", "messages_once"), ("lost", "lost"),
                  ("duplicates", "duplicates"), ("recovery s", "recovery_s"))
_fault_runs: list[dict] = []


def _docker_engine_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
async def kafka_bootstrap() -> AsyncIterator[str]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield os.environ["KAFKA_BOOTSTRAP_SERVERS"]
        return
    if _docker_engine_answers():
        from testcontainers.kafka import KafkaContainer

        # Tests use short consumer sessions (a restarted consumer takes over quickly); the
        # image's default minimum (6 s) would refuse them.
        container = KafkaContainer().with_kraft().with_env(
            "KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS", "1000").with_env(
            "KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
        with container:
            yield container.get_bootstrap_server()
        return
    with tempfile.TemporaryDirectory(prefix="vod-kafka-") as data_dir:
        broker = await _started_on_free_ports(Path(data_dir))
        try:
            yield broker.bootstrap
        finally:
            broker.discard()  # its directory goes next: nothing to shut down in order


async def _started_on_free_ports(base: Path, attempts: int = 3) -> LocalKafka:
    """The run's broker, on ports free a moment before. `make test` runs the tests in several
    processes, each starting its broker at the same time: a port one chose may be taken by
    another before its broker binds it. Then it is started again, on other ports."""
    for attempt in range(1, attempts + 1):
        broker = LocalKafka(base / f"broker-{attempt}", free_port(), free_port())
        try:
            await broker.start()
            return broker
        except RuntimeError as exc:
            if attempt == attempts or "already in use" not in str(exc):
                raise
    raise AssertionError("not reached")


@pytest.fixture
async def topic_prefix(kafka_bootstrap: str) -> str:
    """A fresh set of the project's topics for one test."""
    from vod_shared.topics import all_topics

    prefix = f"t{uuid.uuid4().hex[:10]}."
    await ensure_topics(kafka_bootstrap, all_topics(prefix), partitions=3)
    return prefix


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[TempPostgres]:
    ensure_installed()
    with tempfile.TemporaryDirectory(prefix="vod-pg-") as base:
        os.chmod(base, 0o755)
        server = TempPostgres(Path(base))
        server.start()
        try:
            yield server
        finally:
            server.stop()


# PostgreSQL needs a database server: its runs are integration tests (not in `make test-fast`).
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def database_backend(request) -> str:
    return request.param


@pytest.fixture
def database_url_factory(database_backend: str, tmp_path: Path, request):
    """Returns ``make(service) -> URL``: a new, empty database of the chosen backend."""

    def make(service: str) -> str:
        name = f"{service}_{uuid.uuid4().hex[:8]}"
        if database_backend == "sqlite":
            return f"sqlite+aiosqlite:///{tmp_path / name}.db"
        return request.getfixturevalue("postgres_server").create_database(name)

    return make


def pytest_runtest_logreport(report) -> None:
    """Gathers the fault runs' counts from the reports: here in the one process, or in the
    process the workers report to when the tests run in several (``pytest -n``)."""
    _fault_runs.extend(value for name, value in report.user_properties if name == FAULT_COUNTS)


def pytest_terminal_summary(terminalreporter) -> None:
    """The fault runs of the session in one table: lost and duplicates are what to look at."""
    if not _fault_runs:
        return
    rows = [tuple("-" if run[key] is None else
                  f"{run[key]:.1f}" if key == "recovery_s" else str(run[key])
                  for _, key in _FAULT_COLUMNS) for run in _fault_runs]
    header = tuple(title for title, _ in _FAULT_COLUMNS)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    terminalreporter.section("fault suite")
    for row in [header, tuple("-" * width for width in widths), *rows]:
        terminalreporter.write_line("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))
