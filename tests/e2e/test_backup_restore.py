"""Back up, wipe, restore, carry on: with the services on the real broker (intake on PostgreSQL,
the others on SQLite), a witness registered for custody notices is told of a release; the
services stop; everything is backed up (`python -m vod_shared.backup create`); the stores, the
staff store and the keys are wiped; the backup is restored into empty places; the services start
again. The next custody change is told to her once, and nothing told before is told again."""
import base64
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from vod_devtools.catchers import Catchers
from vod_devtools.net import free_port
from vod_devtools.testing import wait_until
from vod_devtools.webhooks import signed_headers

from .services import stop_all

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
SECRET = "whsec_" + base64.b64encode(uuid.uuid4().bytes * 2).decode()
WITNESS = "witness.restored@example.net"
CDCR = "BK1357"


def _post(url: str, path: str, payload: dict) -> None:
    body = json.dumps(payload).encode()
    answer = httpx.post(f"{url}{path}", content=body, headers=signed_headers(body, SECRET),
                        timeout=10)
    assert answer.status_code == 202, answer.text


def _change(screening_url: str, change: str, status: str) -> None:
    _post(screening_url, "/webhooks/custody", {
        "cdcr_number": CDCR, "status": status, "facility_code": None,
        "effective_at": datetime.now(timezone.utc).isoformat(), "change": change})


def _backup(command: str, folder: Path, env: dict) -> str:
    result = subprocess.run([sys.executable, "-m", "vod_shared.backup", command, str(folder)],
                            env={**os.environ, **env}, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


async def test_backed_up_wiped_restored_and_the_next_change_is_told_once(
        service_env, processes, postgres_server, tmp_path):
    data_dir, keys_dir = Path(service_env["VOD_DATA_DIR"]), Path(service_env["VOD_KEYS_DIR"])
    intake_db = postgres_server.create_database(f"intake_{uuid.uuid4().hex[:8]}")
    with Catchers(tmp_path / "catchers", smtp_port=free_port(), http_port=free_port()) as catchers:
        env = service_env | {
            "INTAKE_WEBHOOK_SECRET": SECRET, "CUSTODY_WEBHOOK_SECRET": SECRET,
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(catchers.smtp_port),
            "SMS_API_BASE": catchers.http_base, "SMS_AUTH_TOKEN": "backup-sms-token",
            "NOTIFICATIONS_SENDER_POLL_S": "0.2", "INTAKE_DATABASE_URL": intake_db,
            "VOD_STAFF_FILE": str(data_dir / "staff.toml")}

        def start() -> dict:
            started = {name: processes(name, env, wait=False)
                       for name in ("intake", "screening", "notifications")}
            for process in started.values():
                process.wait_healthy(90.0)
            return started

        def told() -> list[str]:
            return [m["subject"] for m in catchers.mail.read() if WITNESS in m["rcpt_tos"]]

        first = start()
        _post(first["intake"].url, "/webhooks/requests", {
            "kind": "custody_notification_registration", "notify_on": ["release", "escape"],
            "offender": {"cdcr_number": CDCR},
            "requester": {"given_name": "Wen", "family_name": "Restored",
                          "relationship": "witness", "email": WITNESS,
                          "preferred_language": "en", "preferred_channel": "email"}})
        assert await wait_until(lambda: len(told()) == 1, timeout=30)  # registered
        _change(first["screening"].url, "release", "on_parole")
        assert await wait_until(lambda: len(told()) == 2, timeout=30)
        stop_all(list(first.values()))  # together, as a supervisor stops them

        backup_dir = tmp_path / "backup"
        made = _backup("create", backup_dir, env)
        assert "intake (postgresql)" in made and "screening (sqlite)" in made, made
        assert (backup_dir / "keys" / "intake.key").exists()
        assert oct((backup_dir).stat().st_mode & 0o777) == "0o700"

        # Wiped: every SQLite store, the staff store, the keys; intake into a new database.
        shutil.rmtree(data_dir)
        shutil.rmtree(keys_dir)
        env["INTAKE_DATABASE_URL"] = postgres_server.create_database(
            f"intake_{uuid.uuid4().hex[:8]}")
        restored = _backup("restore", backup_dir, env)
        assert "restored from" in restored, restored
        assert "erased again: 0" in restored, restored  # nobody was erased since the backup
        assert (keys_dir / "intake.key").exists()

        again = start()
        _change(again["screening"].url, "escape", "escaped")
        assert await wait_until(lambda: len(told()) == 3, timeout=60), told()
        time.sleep(3)  # anything told twice would have come by now
        subjects = told()
        assert len(subjects) == 3 and len(set(subjects)) == 3, subjects
