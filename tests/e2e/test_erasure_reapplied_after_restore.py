"""An erasure made after a backup, made again after a restore: with the services on the real
broker (on SQLite), two people register for custody notices about one offender and are told;
the stores are backed up while the services run; staff erase her; the services stop, everything
is wiped and the backup restored (which brings her key and details back) and the restore
erases her again from her ``PersonErased`` on vod.people, telling staff in its log. Her key is
gone from intake's store again, running it twice erases nobody, and once the services run
again the next custody change reaches the other registrant and not her."""
import base64
import json
import os
import shutil
import sqlite3
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
HER = "erased.before.restore@example.net"
OTHER = "stays.registered@example.net"
CDCR = "BK2468"


def _post(url: str, path: str, payload: dict) -> None:
    body = json.dumps(payload).encode()
    answer = httpx.post(f"{url}{path}", content=body, headers=signed_headers(body, SECRET),
                        timeout=10)
    assert answer.status_code == 202, answer.text


def _register(intake_url: str, email: str, family_name: str) -> None:
    _post(intake_url, "/webhooks/requests", {
        "kind": "custody_notification_registration", "notify_on": ["release", "escape"],
        "offender": {"cdcr_number": CDCR},
        "requester": {"given_name": "Ana", "family_name": family_name, "relationship": "witness",
                      "email": email, "preferred_language": "en", "preferred_channel": "email"}})


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", *args], env={**os.environ, **env},
                            capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _rows(database: Path, query: str, *args) -> list[tuple]:
    with sqlite3.connect(database) as db:
        return db.execute(query, args).fetchall()


async def test_an_erasure_since_the_backup_is_made_again_after_the_restore(
        service_env, processes, tmp_path):
    data_dir, keys_dir = Path(service_env["VOD_DATA_DIR"]), Path(service_env["VOD_KEYS_DIR"])
    intake_db, notifications_db = data_dir / "intake.db", data_dir / "notifications.db"
    with Catchers(tmp_path / "catchers", smtp_port=free_port(), http_port=free_port()) as catchers:
        env = service_env | {
            "INTAKE_WEBHOOK_SECRET": SECRET, "CUSTODY_WEBHOOK_SECRET": SECRET,
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(catchers.smtp_port),
            "SMS_API_BASE": catchers.http_base, "SMS_AUTH_TOKEN": "reapply-sms-token",
            "NOTIFICATIONS_SENDER_POLL_S": "0.2", "LOG_FORMAT": "json",
            "VOD_STAFF_FILE": str(data_dir / "staff.toml")}

        def start() -> dict:
            started = {name: processes(name, env, wait=False)
                       for name in ("intake", "screening", "notifications")}
            for process in started.values():
                process.wait_healthy(90.0)
            return started

        def told(address: str) -> int:
            return sum(address in m["rcpt_tos"] for m in catchers.mail.read())

        def erased_in_notifications(person_id: str) -> bool:
            return bool(_rows(notifications_db, "SELECT 1 FROM erased_people WHERE person_id = ?",
                              person_id))

        first = start()
        _register(first["intake"].url, HER, "Beforerestore")
        assert await wait_until(lambda: told(HER) == 1, timeout=30)  # registered
        [(her_id,)] = _rows(intake_db, "SELECT person_id FROM people")
        _register(first["intake"].url, OTHER, "Stays")
        assert await wait_until(lambda: told(OTHER) == 1, timeout=30)

        backup_dir = tmp_path / "backup"
        _run(["vod_shared.backup", "create", str(backup_dir)], env)  # online, while they run
        _run(["intake.erase", "--person", her_id, "--reason", "person_asked", "--by", "ines"], env)
        assert await wait_until(lambda: erased_in_notifications(her_id), timeout=30)
        stop_all(list(first.values()))  # together, as a supervisor stops them

        shutil.rmtree(data_dir)
        shutil.rmtree(keys_dir)
        restored = _run(["vod_shared.backup", "restore", str(backup_dir)], env)
        assert "erased again: 1" in restored.stdout and her_id in restored.stdout, restored.stdout
        [line] = [json.loads(line) for line in (restored.stdout + restored.stderr).splitlines()
                  if "person.erasure_reapplied" in line]
        assert line["person_id"] == her_id and line["reason"] == "reapplied_after_restore"
        # her key and her details are gone from intake's store again; the erasure is logged
        assert not _rows(intake_db, "SELECT 1 FROM subject_keys WHERE subject_id = ?", her_id)
        [(sealed,)] = _rows(intake_db, "SELECT sealed FROM people WHERE person_id = ?", her_id)
        assert json.loads(sealed or "null") is None  # a JSON null: "details erased"
        assert _rows(intake_db, "SELECT reason, via FROM erasures WHERE person_id = ?",
                     her_id) == [("reapplied_after_restore", "restore")]
        # notifications' restored store knows nothing of the erasure yet (the backup is older)
        assert not erased_in_notifications(her_id)
        again = _run(["intake.erase", "reapply"], env)
        assert "erased again: 0" in again.stdout, again.stdout

        second = start()
        # intake announces the erasure again; notifications forgets her contact and registration
        assert await wait_until(lambda: erased_in_notifications(her_id), timeout=30)
        _post(second["screening"].url, "/webhooks/custody", {
            "cdcr_number": CDCR, "status": "on_parole", "facility_code": None,
            "effective_at": datetime.now(timezone.utc).isoformat(), "change": "release"})
        assert await wait_until(lambda: told(OTHER) == 2, timeout=60)
        time.sleep(2)  # a notice to her would have come with the other's
        assert told(HER) == 1
