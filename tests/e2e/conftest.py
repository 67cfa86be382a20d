import pytest

from vod_shared.sealing import KeyDirectory

from .services import ServiceProcess


@pytest.fixture
def service_env(kafka_bootstrap, topic_prefix, tmp_path):
    KeyDirectory(tmp_path / "keys").init()
    return {
        "VOD_KEYS_DIR": str(tmp_path / "keys"),
        "VICTIM_LINK_SECRET": "e2e-victim-link-secret",
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "VOD_TOPIC_PREFIX": topic_prefix,
        "VOD_DATA_DIR": str(tmp_path / "var"),
        "KAFKA_SESSION_TIMEOUT_MS": "3000",
        "OUTBOX_POLL_INTERVAL_S": "0.2",
        "CONSUMER_RETRY_BACKOFF_S": "0.05",
    }


@pytest.fixture
def processes(tmp_path):
    started: list[ServiceProcess] = []

    def start(name: str, env: dict[str, str], *, wait: bool = True) -> ServiceProcess:
        """Starts a service; ``wait=False`` returns at once (call ``wait_healthy`` later)."""
        process = ServiceProcess(name, env, tmp_path)
        started.append(process)
        process.launch()
        if wait:
            process.wait_healthy(60.0)
        return process

    yield start
    for process in reversed(started):
        process.stop()
