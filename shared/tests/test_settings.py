from intake.config import Settings as IntakeSettings
from screening.config import Settings as ScreeningSettings


def test_each_service_reads_its_own_port_and_database(monkeypatch, tmp_path):
    monkeypatch.setenv("PORT", "5200")  # what honcho and PaaS set: not ours
    monkeypatch.setenv("SCREENING_PORT", "9102")
    monkeypatch.setenv("VOD_DATA_DIR", str(tmp_path))
    assert IntakeSettings().effective_port() == 8001
    assert ScreeningSettings().effective_port() == 9102
    assert IntakeSettings().effective_database_url() == f"sqlite+aiosqlite:///{tmp_path}/intake.db"


def test_a_database_url_overrides_sqlite(monkeypatch):
    monkeypatch.setenv("SCREENING_DATABASE_URL", "postgresql+asyncpg://u@db/screening")
    assert ScreeningSettings().effective_database_url() == "postgresql+asyncpg://u@db/screening"
    assert IntakeSettings().effective_database_url().startswith("sqlite+aiosqlite:///")


def test_offsets_are_committed_every_so_many_records_or_seconds(monkeypatch):
    from vod_shared import runtime

    now = [100.0]
    monkeypatch.setattr(runtime.time, "monotonic", lambda: now[0])
    pacer = runtime.CommitPacer(every=3, interval_s=1.0)
    assert [pacer.due() for _ in range(6)] == [False, False, True, False, False, True]
    pacer.due()
    now[0] += 1.5
    assert pacer.due() is True  # a quiet stream still commits within the interval


def test_a_malformed_webhook_secret_stops_the_service_naming_the_setting():
    import pytest

    from vod_shared.webhooks import check_secrets

    assert check_secrets(["whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ="], "X") == ["whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ="]
    with pytest.raises(ValueError, match="INTAKE_WEBHOOK_SECRET"):
        check_secrets(["whsec_not base64!"], "INTAKE_WEBHOOK_SECRET")


def test_the_makefiles_development_secrets_are_the_ones_refused_outside_development():
    import re
    from pathlib import Path

    from vod_shared.settings import DEVELOPMENT_SECRETS

    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    published = set(re.findall(r"export \w+(?:SECRET|TOKEN)\w* \?= (\S+)", makefile))
    assert published and published <= DEVELOPMENT_SECRETS


def test_a_service_refuses_a_published_secret_unless_in_development():
    import pytest

    from vod_shared.settings import PublishedSecret, refuse_development_secrets

    environ = {"VICTIM_LINK_SECRET": "dev-only-victim-link-secret-change-me", "OTHER": "x"}
    with pytest.raises(PublishedSecret) as refused:
        refuse_development_secrets(environ, "production")
    assert "VICTIM_LINK_SECRET" in str(refused.value)
    assert "dev-only" not in str(refused.value)  # names the variable, never the value
    refuse_development_secrets(environ, "development")
    refuse_development_secrets({"VICTIM_LINK_SECRET": "a-real-one"}, "production")


def test_a_service_listens_on_loopback_and_hides_the_api_pages_unless_told(monkeypatch):
    from vod_shared.settings import ServiceSettings

    for name in ("VOD_ENV", "VOD_BIND_HOST", "API_DOCS"):
        monkeypatch.delenv(name, raising=False)
    settings = ServiceSettings()
    assert settings.bind_host == "127.0.0.1" and settings.vod_env == "production"
    assert not settings.effective_api_docs()
    monkeypatch.setenv("VOD_ENV", "development")
    assert ServiceSettings().effective_api_docs()
    monkeypatch.setenv("API_DOCS", "false")
    assert not ServiceSettings().effective_api_docs()
