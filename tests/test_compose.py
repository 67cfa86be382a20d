"""docker-compose.yml cannot run here (no Docker engine), so check it against the code: each
service's environment names exactly settings its code reads, and points at what exists."""
import importlib
from pathlib import Path

import pytest
import yaml

from vod_shared.settings import environment_variables

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("intake", "screening", "scheduling", "notifications")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_is_configured_with_settings_its_code_reads(compose, name):
    settings_cls = importlib.import_module(f"{name}.config").Settings
    environment = compose["services"][name]["environment"]
    assert set(environment) <= environment_variables(settings_cls), "unknown variables"
    for required in ("KAFKA_BOOTSTRAP_SERVERS", f"{name.upper()}_DATABASE_URL", f"{name.upper()}_PORT"):
        assert required in environment


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_has_its_own_postgres_and_the_broker(compose, name):
    service = compose["services"][name]
    url = service["environment"][f"{name.upper()}_DATABASE_URL"]
    assert url.startswith("postgresql+asyncpg://") and f"@{name}-db:5432/{name}" in url
    assert compose["services"][f"{name}-db"]["image"].startswith("postgres")
    assert service["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert service["command"] == ["python", "-m", name]
    port = service["environment"][f"{name.upper()}_PORT"]
    assert f"{port}/healthz" in " ".join(service["healthcheck"]["test"])


def test_the_broker_runs_kraft_without_zookeeper(compose):
    kafka = compose["services"]["kafka"]["environment"]
    assert kafka["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "zookeeper" not in yaml.safe_dump(compose).lower()
    assert "mail" in compose["services"]


def test_the_services_share_one_staff_store(compose):
    urls = {compose["services"][name]["environment"]["STAFF_DATABASE_URL"] for name in SERVICES}
    assert len(urls) == 1 and urls.pop().startswith("postgresql+asyncpg://")
    assert compose["services"]["staff-db"]["image"].startswith("postgres")
    for name in SERVICES:
        assert "staff-db" in compose["services"][name]["depends_on"]
