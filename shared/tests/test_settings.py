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
