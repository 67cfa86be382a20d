"""The monitoring an office runs (docker compose --profile ops): Prometheus' scrape and alert
rules and Grafana's dashboard, checked against the code, since neither runs here. Every metric
an alert or a panel names is one a service exports (read from the services' own registries),
every alert says what happened and where README says what to do (an anchor that exists), and
the ops services are only in the ops profile, pinned, on the host's loopback."""
import importlib
import json
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

from .e2e.staff_support import settings_for

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("intake", "screening", "scheduling", "notifications")
PORTS = {"intake": 8001, "screening": 8002, "scheduling": 8003, "notifications": 8004}
# Series Prometheus makes itself for each target; not ours to export
PROMETHEUS_OWN = {"up"}
OPS = {"prometheus": r"prom/prometheus:v\d+\.\d+\.\d+", "grafana": r"grafana/grafana:\d+\.\d+\.\d+",
       "alertmanager": r"prom/alertmanager:v\d+\.\d+\.\d+"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, set[str]]:
    """Each service's metric names, from the registry its bootstrap builds."""
    names = {}
    for name in SERVICES:
        folder = tmp_path_factory.mktemp(name)
        runtime, _ = importlib.import_module(f"{name}.bootstrap").bootstrap(
            settings_for(name, folder))
        names[name] = set(runtime.metrics.registry.names())
    return names


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def rules() -> list[dict]:
    groups = yaml.safe_load((ROOT / "deploy/prometheus/alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


@pytest.fixture(scope="module")
def dashboard() -> dict:
    return json.loads((ROOT / "deploy/grafana/dashboards/dialogue.json").read_text())


def _metric_names(expr: str) -> set[str]:
    return set(re.findall(r"\b(vod_[a-z0-9_]+)\b", expr)) | (
        PROMETHEUS_OWN & set(re.findall(r"\b([a-z_]+)\s*\{", expr)))


def _readme_anchors() -> set[str]:
    """The anchors GitHub makes of README's headings (lower case, punctuation dropped, spaces
    to hyphens), and any explicit ``<a id=...>``."""
    readme = re.sub(r"^```.*?^```", "", (ROOT / "README.md").read_text(), flags=re.M | re.S)
    anchors = set(re.findall(r'<a (?:id|name)="([^"]+)"', readme))
    for heading in re.findall(r"^#{1,6} (.+)$", readme, re.M):
        anchors.add(re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-"))
    return anchors


def test_the_notifications_gauges_and_the_shared_metrics_are_exported(exported):
    every = set.union(*exported.values())
    for name in SERVICES:
        assert {"vod_webhook_requests_total", "vod_signin_failures_total",
                "vod_outbox_oldest_seconds", "vod_dead_letters_total",
                "vod_consumer_lag"} <= exported[name]
    assert {"vod_deliveries", "vod_unknown_deliveries"} <= exported["notifications"]
    assert "vod_handle_seconds_bucket" in every


def test_every_metric_an_alert_names_is_exported(rules, exported):
    every = set.union(*exported.values()) | PROMETHEUS_OWN
    for rule in rules:
        named = _metric_names(rule["expr"])
        assert named, rule["alert"]
        assert named <= every, (rule["alert"], named - every)


def test_every_alert_has_a_summary_and_a_runbook_that_exists_in_the_readme(rules):
    anchors = _readme_anchors()
    assert len({rule["alert"] for rule in rules}) == len(rules)
    for rule in rules:
        annotations = rule.get("annotations", {})
        assert annotations.get("summary"), rule["alert"]
        page, _, anchor = annotations.get("runbook", "").partition("#")
        assert page == "README.md" and anchor in anchors, (rule["alert"], annotations)


def test_the_alerts_the_office_asked_for_are_there(rules):
    by_metric = {}
    for rule in rules:
        for name in _metric_names(rule["expr"]):
            by_metric.setdefault(name, []).append(rule)
    [outbox] = by_metric["vod_outbox_oldest_seconds"]
    assert re.search(r">\s*300\b", outbox["expr"])  # 5 minutes
    [dead] = by_metric["vod_dead_letters_total"]
    assert "increase(vod_dead_letters_total[" in dead["expr"] and re.search(r">\s*0\b",
                                                                             dead["expr"])
    [lag] = by_metric["vod_consumer_lag"]
    assert lag["for"] == "10m" and "deriv(vod_consumer_lag[10m])" in lag["expr"]
    [unknown] = by_metric["vod_unknown_deliveries"]
    assert re.search(r">\s*0\b", unknown["expr"])
    [signins] = by_metric["vod_signin_failures_total"]
    assert "increase(vod_signin_failures_total[" in signins["expr"]


def test_every_metric_a_dashboard_panel_names_is_exported(dashboard, exported):
    every = set.union(*exported.values()) | PROMETHEUS_OWN
    datasource = yaml.safe_load((ROOT / "deploy/grafana/provisioning/datasources/"
                                 "prometheus.yml").read_text())["datasources"][0]
    shown = set()
    for panel in dashboard["panels"]:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            named = _metric_names(target["expr"])
            assert named and named <= every, (panel["title"], named - every)
            assert target["datasource"]["uid"] == datasource["uid"]
            shown |= named
    assert {"vod_deliveries", "vod_unknown_deliveries", "vod_outbox_oldest_seconds",
            "vod_consumer_lag", "vod_dead_letters_total", "vod_webhook_requests_total",
            "vod_signin_failures_total"} <= shown
    assert datasource["url"] == "http://prometheus:9090"


def test_prometheus_scrapes_every_service_with_the_token_from_a_file(compose):
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == set(SERVICES)
    prometheus = compose["services"]["prometheus"]
    mounted = {v.split(":")[1]: v.split(":")[0] for v in prometheus["volumes"]}
    for name, job in jobs.items():
        token_file = job["authorization"]["credentials_file"]
        assert mounted[token_file] == "./secrets/metrics-token"
        [lookup] = job["dns_sd_configs"]
        assert lookup["names"] == [name] and lookup["port"] == PORTS[name]
        assert compose["services"][name]["environment"]["METRICS_TOKEN"].startswith(
            "${METRICS_TOKEN:?")
    [rule_file] = config["rule_files"]
    assert mounted["/etc/prometheus"] == "./deploy/prometheus"
    assert (ROOT / "deploy/prometheus" / Path(rule_file).name).exists()


def test_the_ops_services_are_only_in_the_ops_profile_pinned_and_on_loopback(compose):
    for name, service in compose["services"].items():
        if re.search(r"prometheus|grafana|alertmanager", str(service.get("image", "")) + name):
            assert name in OPS, name
    for name, image in OPS.items():
        service = compose["services"][name]
        assert service["profiles"] == ["ops"]
        assert re.fullmatch(image, service["image"]), service["image"]
        assert all(str(port).startswith("127.0.0.1:") for port in service.get("ports", []))
        assert service["networks"] == ["internal"]
        for volume in service["volumes"]:
            source = volume.split(":")[0]
            if source.startswith("./deploy/"):
                assert (ROOT / source).exists(), volume
    grafana = compose["services"]["grafana"]
    assert grafana["environment"]["GF_AUTH_ANONYMOUS_ENABLED"] == "false"
    provider = yaml.safe_load((ROOT / "deploy/grafana/provisioning/dashboards/"
                               "dialogue.yml").read_text())["providers"][0]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in grafana["volumes"]}
    assert mounts[provider["options"]["path"]] == "./deploy/grafana/dashboards"


def test_the_readme_names_every_metric_exported(exported):
    readme = (ROOT / "README.md").read_text()
    operating = readme.split("## Operating", 1)[1].split("\n## ", 1)[0]
    for name in set.union(*exported.values()):
        base = re.sub(r"_(bucket|sum|count)$", "", name) if name.startswith(
            "vod_handle_seconds") else name
        assert f"`{base}" in operating, name


# What an office would set (compose's environment), to render alertmanager.yml as render.sh does
OFFICE = {"SMTP_HOST": "relay.office.example", "SMTP_PORT": "587", "SMTP_USERNAME": "alerts",
          "SMTP_STARTTLS": "true", "MAIL_FROM": "Victim & Offender Dialogue <dialogue@office.example>",
          "STAFF_ALERTS_EMAIL": "vod-staff@office.example"}


def _render_alertmanager(environment: dict[str, str]) -> dict:
    """alertmanager.yml with its ``${NAME}``s filled from ``environment``, by render.sh itself."""
    folder = ROOT / "deploy/alertmanager"
    script = (folder / "render.sh").read_text()
    # render.sh reads /etc/alertmanager and execs Alertmanager: here, print what it would run with
    # (its /tmp/ first: the checkout itself may be under /tmp, as CI's is)
    script = script.replace("/tmp/", "$OUT/").replace("exec /bin/alertmanager", "exec echo")
    script = script.replace("/etc/alertmanager/alertmanager.yml", str(folder / "alertmanager.yml"))
    with tempfile.TemporaryDirectory() as out:
        result = subprocess.run(["/bin/sh", "-c", script],
                                env={"PATH": "/usr/bin:/bin", "OUT": out, **environment},
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        assert f"--config.file={out}/alertmanager.yml" in result.stdout
        password = Path(out, "smtp-password").read_text()
        rendered = Path(out, "alertmanager.yml").read_text()
    assert "${" not in rendered
    return {"config": yaml.safe_load(rendered), "password": password, "text": rendered}


def _matches(matchers: list[str], labels: dict[str, str]) -> bool:
    for matcher in matchers:
        name, op, value = re.fullmatch(r'(\w+)\s*(=~|!~|!=|=)\s*"(.*)"', matcher).groups()
        have = labels.get(name, "")
        ok = {"=": have == value, "!=": have != value,
              "=~": re.fullmatch(value, have) is not None,
              "!~": re.fullmatch(value, have) is None}[op]
        if not ok:
            return False
    return True


def _route(route: dict, labels: dict[str, str]) -> str:
    """The receiver Alertmanager picks for an alert's labels (first matching child, deepest)."""
    for child in route.get("routes", []):
        if _matches(child.get("matchers", []), labels):
            return _route(child, labels) if child.get("routes") else child.get(
                "receiver", route["receiver"])
    return route["receiver"]


def test_alertmanager_config_parses_with_the_offices_settings_and_keeps_the_password_apart():
    rendered = _render_alertmanager({**OFFICE, "SMTP_PASSWORD": "s3cret|&/x"})
    config, text = rendered["config"], rendered["text"]
    glob = config["global"]
    assert glob["smtp_smarthost"] == "relay.office.example:587"
    assert glob["smtp_from"] == OFFICE["MAIL_FROM"] and glob["smtp_auth_username"] == "alerts"
    assert glob["smtp_require_tls"] is True
    assert rendered["password"] == "s3cret|&/x" and "s3cret" not in text
    assert Path(glob["smtp_auth_password_file"]).name == "smtp-password"
    assert {r["name"] for r in config["receivers"]} >= {config["route"]["receiver"]}


def test_alertmanager_refuses_to_start_without_a_mailbox():
    with pytest.raises(AssertionError):
        _render_alertmanager({k: v for k, v in OFFICE.items() if k != "STAFF_ALERTS_EMAIL"})


def test_every_alert_is_routed_to_the_staff_alerts_mailbox(rules):
    config = _render_alertmanager({**OFFICE, "SMTP_PASSWORD": ""})["config"]
    receivers = {r["name"]: r for r in config["receivers"]}
    for rule in rules:
        labels = {"alertname": rule["alert"], "job": "screening", **rule.get("labels", {})}
        assert labels.get("severity") in {"page", "ticket"}, rule["alert"]
        receiver = receivers[_route(config["route"], labels)]
        mailed = [c["to"] for c in receiver.get("email_configs", [])]
        assert mailed == [OFFICE["STAFF_ALERTS_EMAIL"]], (rule["alert"], receiver["name"])


def test_prometheus_sends_its_alerts_to_the_alertmanager_the_compose_runs(compose):
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    [target] = [t for am in config["alerting"]["alertmanagers"]
                for static in am["static_configs"] for t in static["targets"]]
    host, port = target.split(":")
    alertmanager = compose["services"][host]
    assert f"--web.listen-address=:{port}" in alertmanager["command"]
    assert "alertmanager" in compose["services"]["prometheus"]["depends_on"]
    # every ${NAME} the config needs is set from the office's environment, the same as the services'
    needed = set(re.findall(r"\$\{(\w+)\}", (ROOT / "deploy/alertmanager/alertmanager.yml")
                            .read_text())) | {"SMTP_PASSWORD"}
    assert needed <= set(alertmanager["environment"])
    notifications = compose["services"]["notifications"]["environment"]
    for name in needed:
        assert alertmanager["environment"][name] == notifications[name], name
