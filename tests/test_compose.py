"""docker-compose.yml cannot run here (no Docker engine), so check it against the code and against
the deployment's rules: only the proxy is reachable from outside; no catcher outside the dev
profile; each service holds only its own keys and its own broker user; the broker takes only
SASL over TLS; every image is pinned; each service's environment names settings its code reads."""
import importlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from vod_shared.settings import environment_variables
from vod_shared.topics import CONSUMES

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("intake", "screening", "scheduling", "notifications")
# Read by uvicorn (the proxy's forwarded headers), not by our settings
SERVER_VARIABLES = {"FORWARDED_ALLOW_IPS"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _profiles(service: dict) -> list[str]:
    return service.get("profiles", [])


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_is_configured_with_settings_its_code_reads(compose, name):
    settings_cls = importlib.import_module(f"{name}.config").Settings
    environment = compose["services"][name]["environment"]
    assert set(environment) - SERVER_VARIABLES <= environment_variables(settings_cls)
    for required in ("KAFKA_BOOTSTRAP_SERVERS", f"{name.upper()}_DATABASE_URL",
                     f"{name.upper()}_PORT", "STAFF_DATABASE_URL"):
        assert required in environment
    assert environment["VOD_ENV"] == "production"


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_has_its_own_database_broker_user_and_keys(compose, name):
    service = compose["services"][name]
    environment = service["environment"]
    url = environment[f"{name.upper()}_DATABASE_URL"]
    assert url.startswith("postgresql+asyncpg://") and f"@{name}-db:5432/{name}" in url
    assert f"${{{name.upper()}_DB_PASSWORD" in compose["services"][f"{name}-db"]["environment"][
        "POSTGRES_PASSWORD"]
    assert environment["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert environment["KAFKA_USERNAME"] == name
    assert environment["KAFKA_PASSWORD"].startswith(f"${{KAFKA_{name.upper()}_PASSWORD")
    keys = [v for v in service["volumes"] if v.endswith(":/run/secrets/vod-keys:ro")]
    assert keys == [f"./secrets/hosts/{name}:/run/secrets/vod-keys:ro"]
    assert not any("secrets/keys" in v for v in service["volumes"])  # not every key
    assert service["command"] == ["python", "-m", name]
    port = environment[f"{name.upper()}_PORT"]
    assert f"{port}/healthz" in " ".join(service["healthcheck"]["test"])


SIGN_IN_SERVICE = "screening"


def _staff_secret_variables(environment: dict) -> set[str]:
    """The .env variables a service's staff secret comes from (by its name or its old one)."""
    return {variable for name in ("STAFF_SECRET", "STAFF_SESSION_SECRET") if name in environment
            for variable in re.findall(r"\$\{(\w+)", str(environment[name]))}


def test_only_the_sign_in_service_holds_the_staff_file(compose):
    for name, service in compose["services"].items():
        environment = service.get("environment", {})
        staff_mounts = [v for v in service.get("volumes", []) if "staff" in v.split(":")[0]
                        and not v.startswith("staff-db")]
        if name == SIGN_IN_SERVICE:
            assert staff_mounts == ["./secrets/staff:/run/secrets/staff:ro"]
            assert environment["VOD_STAFF_FILE"] == "/run/secrets/staff/staff.toml"
            assert "STAFF_SIGN_IN_URL" not in environment
        else:
            assert staff_mounts == [], name
            assert "VOD_STAFF_FILE" not in environment, name
    for name in SERVICES:
        if name != SIGN_IN_SERVICE:
            environment = compose["services"][name]["environment"]
            assert environment["STAFF_SIGN_IN_URL"] == (
                "https://screening.${STAFF_DOMAIN:?set STAFF_DOMAIN}/staff/login"), name
            assert environment["STAFF_COOKIE_DOMAIN"].startswith("${STAFF_DOMAIN")


def test_no_two_services_share_a_staff_secret(compose):
    seen: dict[str, str] = {}
    for name in SERVICES:
        variables = _staff_secret_variables(compose["services"][name]["environment"])
        assert variables == {f"{name.upper()}_STAFF_SECRET"}, name
        for variable in variables:
            assert variable not in seen, (name, seen.get(variable))
            seen[variable] = name
    assert "STAFF_SESSION_SECRET" not in (ROOT / "docker-compose.yml").read_text()


# Profiles whose helpers may publish a page on the host's loopback (staging's mail catcher;
# the office's Prometheus and Grafana)
LOOPBACK_PROFILES = {"dev", "ops"}


def test_only_the_proxy_publishes_ports(compose):
    published = {name for name, service in compose["services"].items()
                 if service.get("ports") and not LOOPBACK_PROFILES & set(_profiles(service))}
    assert published == {"proxy"}
    for name, service in compose["services"].items():
        if LOOPBACK_PROFILES & set(_profiles(service)):  # on the host's loopback only
            assert all(str(port).startswith("127.0.0.1:") for port in service.get("ports", []))


def test_no_catcher_outside_the_dev_profile(compose):
    for name, service in compose["services"].items():
        if re.search(r"mailpit|mailhog|catcher", str(service.get("image", "")) + name):
            assert _profiles(service) == ["dev"], name
    for name in SERVICES:
        environment = compose["services"][name]["environment"]
        assert environment.get("SMTP_HOST", "${SMTP_HOST:?").startswith("${SMTP_HOST:?")


def test_the_broker_takes_only_sasl_over_tls_with_acls(compose):
    kafka = compose["services"]["kafka"]
    start = (ROOT / "deploy/kafka/start.sh").read_text()
    assert "listeners=SASL_SSL://:9093,CONTROLLER://localhost:9094" in start
    assert "allow.everyone.if.no.acl.found=false" in start
    assert "StandardAuthorizer" in start
    for user in ("admin", *CONSUMES):
        assert f"KAFKA_{user.upper()}_PASSWORD" in kafka["environment"]
    assert "ports" not in kafka
    assert "--acls" in compose["services"]["topics"]["command"]


def test_every_image_is_pinned(compose):
    for name, service in compose["services"].items():
        image = service.get("image", "")
        tag = image.split(":", 1)[1] if ":" in image else ""
        assert tag and tag != "latest" and (re.search(r"\d", tag) or "${" in tag), (name, image)
    dockerfile = (ROOT / "Dockerfile").read_text()
    for line in re.findall(r"^FROM (\S+)|--from=(\S+)", dockerfile, re.M):
        image = next(part for part in line if part)
        assert re.search(r":\d+\.\d+\.\d+", image), image


def test_the_public_host_serves_only_the_door_and_webhooks():
    caddyfile = (ROOT / "deploy/caddy/Caddyfile").read_text()
    public = caddyfile.split("{$PUBLIC_HOST} {", 1)[1].split("\n}\n", 1)[0]
    assert "respond \"Not found\" 404" in public
    assert "/staff" not in public and "/api" not in public and "/docs" not in public
    for name in SERVICES:
        assert f"{name}.{{$STAFF_DOMAIN}}" in caddyfile


@pytest.mark.skipif(shutil.which("docker") is None, reason="no docker command")
def test_compose_config_is_valid_where_docker_compose_exists(tmp_path):
    """`docker compose config` parses the file as Compose itself does; where no Docker engine
    answers, `up` cannot be tried here (said so, not pretended)."""
    env = {name: "x" * 40 for name in re.findall(r"\$\{(\w+):\?", (
        ROOT / "docker-compose.yml").read_text())}
    result = subprocess.run([shutil.which("docker"), "compose", "-f", str(ROOT / "docker-compose.yml"),
                             "config", "--quiet"], env={**env, "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path)},
                            capture_output=True, text=True, timeout=60)
    if "is not a docker command" in result.stderr or "unknown" in result.stderr.lower():
        pytest.skip("docker compose plugin not installed")
    assert result.returncode == 0, result.stderr
