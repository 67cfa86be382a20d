"""A victim erased for good, over the real broker with the four services as processes.

She asks for a dialogue on the public page, ticks custody notices, confirms her email, is
acknowledged, is told of a release, and her case reaches screening. Staff erase her. Then, within
the minute the contract promises, reading every topic from the beginning (dead letters and data
keys included) with every service's private keys, current and previous, nothing of hers opens;
no store of any service holds anything of hers that opens with those keys; a custody change for
her offender reaches another registrant but not her; screening's case page shows the case, with
"details erased".

The same reading is done before the erasure and must open her details: the reading is able to
find what it looks for.
"""
import base64
import json
import re
import sqlite3
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from nacl.exceptions import CryptoError
from nacl.public import Box
from nacl.secret import SecretBox

from vod_devtools.catchers import Catchers
from vod_devtools.net import free_port
from vod_devtools.staff_testing import add_staff, sign_in
from vod_devtools.testing import read_topic, read_topics, wait_until
from vod_devtools.webhooks import signed_headers
from vod_shared.events import SubjectKeyGranted
from vod_shared.person_keys import PURPOSES, purpose_key
from vod_shared.sealing import SERVICES, KeyDirectory
from vod_shared.staff import Role

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
SECRET = "whsec_" + base64.b64encode(uuid.uuid4().bytes * 2).decode()
HER = {"given_name": "Xiomara", "family_name": "Quetzalli-Reyes",
       "email": "xiomara.erasure@example.org", "phone": "(619) 555-0177"}
NOTES_MARKER = "Tlalocmarker"
HER_WORDS = ("Xiomara", "Quetzalli", "xiomara.erasure", "6195550177", NOTES_MARKER)
CDCR = "BK7310"
WITNESS = "witness.stays@example.net"


def _env(service_env: dict, catchers: Catchers, tmp_path: Path) -> dict:
    return service_env | {
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(catchers.smtp_port),
        "SMS_API_BASE": catchers.http_base, "SMS_AUTH_TOKEN": "e2e-sms-token",
        "VOD_STAFF_FILE": str(tmp_path / "staff.toml"),
        "STAFF_SESSION_SECRET": "erasure-tests-staff-session-secret-0123456789",
        "INTAKE_WEBHOOK_SECRET": SECRET, "CUSTODY_WEBHOOK_SECRET": SECRET,
        "NOTIFICATIONS_SENDER_POLL_S": "0.2", "INTAKE_DUE_WORK_INTERVAL_S": "1",
    }


async def _ask_on_the_public_page(intake_url: str) -> None:
    async with httpx.AsyncClient(base_url=intake_url, timeout=15) as browser:
        page = await browser.get("/request?lang=en")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        sent = await browser.post("/request?lang=en", data={
            "kind": "dialogue_request", "given_name": HER["given_name"],
            "family_name": HER["family_name"], "relationship": "victim",
            "email": HER["email"], "phone": HER["phone"], "preferred_channel": "email",
            "preferred_language": "en", "state": "CA", "cdcr_number": CDCR,
            "offender_given_name": "", "offender_family_name": "",
            "notes": f"{NOTES_MARKER}: please call {HER['phone']} after five.",
            "also_register": "yes", "notify_on": ["release", "escape"], "csrf_token": token})
        assert sent.status_code == 303, sent.text


def _mail_to(catchers: Catchers, address: str) -> list[dict]:
    return [m for m in catchers.mail.read() if address in m["rcpt_tos"]]


async def _confirm(intake_url: str, catchers: Catchers) -> None:
    assert await wait_until(lambda: _mail_to(catchers, HER["email"]), timeout=20)
    link = re.search(r"https?://\S+(/confirm/\S+)", _mail_to(catchers, HER["email"])[-1]["text"])
    async with httpx.AsyncClient(base_url=intake_url, timeout=15) as browser:
        assert (await browser.post(link.group(1))).status_code == 303


def _post(url: str, path: str, payload: dict) -> None:
    body = json.dumps(payload).encode()
    answer = httpx.post(f"{url}{path}", content=body, timeout=10,
                        headers=signed_headers(body, SECRET))
    assert answer.status_code == 202, answer.text


def _custody(screening_url: str, change: str, status: str) -> None:
    _post(screening_url, "/webhooks/custody", {
        "cdcr_number": CDCR, "status": status, "facility_code": None,
        "effective_at": datetime.now(timezone.utc).isoformat(), "change": change})


# --- reading everything as someone holding every service's private keys would --------------

def _sealed_in(value) -> list[dict]:
    """Every sealed value (a dict with a ciphertext) inside ``value``, JSON text included."""
    if isinstance(value, dict):
        if "ciphertext" in value:
            return [value]
        return [found for item in value.values() for found in _sealed_in(item)]
    if isinstance(value, list):
        return [found for item in value for found in _sealed_in(item)]
    if isinstance(value, (str, bytes)) and b'"ciphertext"' in (
            value if isinstance(value, bytes) else value.encode()):
        try:
            return _sealed_in(json.loads(value))
        except ValueError:
            return []
    return []


class Attacker:
    """Holds every service's private keys (current and previous) and every data key it could
    open from what it reads; opens whatever it can, without the services' checks."""

    def __init__(self, keys_dir: Path) -> None:
        directory = KeyDirectory(keys_dir)
        self.private = [key for service in SERVICES
                        for key in directory.private_keys(service).values()]
        self.public = [key for service in SERVICES
                       for key in directory.public_keys_of(service).values()]
        self.data_keys: dict[str, list[bytes]] = {}  # key id -> purpose keys

    def learn_grant(self, granted: SubjectKeyGranted) -> None:
        for opened in self._box_open(base64.b64decode(granted.wrapped)):
            keys = json.loads(opened)["keys"]
            self.data_keys.setdefault(granted.key_id, []).extend(
                base64.b64decode(k) for k in keys.values())

    def learn_row(self, key_id: str, sealed: dict) -> None:
        """A store's copy of a data key (a reader's held purpose keys, intake's secret)."""
        for text in self.open(sealed):
            value = json.loads(text)
            if not isinstance(value, dict):
                continue
            for name, encoded in value.items():
                if not isinstance(encoded, str):
                    continue
                raw = _b64_or_none(encoded)
                if raw is None or len(raw) != SecretBox.KEY_SIZE:
                    continue
                found = self.data_keys.setdefault(key_id, [])
                found.append(raw)
                if name not in PURPOSES:  # a data key's secret: every purpose key from it
                    found.extend(purpose_key(raw, purpose) for purpose in PURPOSES)

    def open(self, sealed: dict) -> list[str]:
        ciphertext = _b64_or_none(sealed.get("ciphertext") or "")
        if ciphertext is None:
            return []
        opened = []
        for key in self.data_keys.get(sealed.get("key_id") or "", []):
            opened += _secret_open(key, ciphertext)
        for wrapped in (sealed.get("wrapped_keys") or {}).values():
            for payload in self._box_open(_b64_or_none(wrapped) or b""):
                opened += _secret_open(payload[:SecretBox.KEY_SIZE], ciphertext)
        return opened

    def _box_open(self, data: bytes) -> list[bytes]:
        opened = []
        for private in self.private:
            for public in self.public:
                try:
                    opened.append(Box(private, public).decrypt(data))
                except (CryptoError, ValueError):
                    pass
        return opened


def _b64_or_none(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, TypeError):
        return None


def _secret_open(key: bytes, ciphertext: bytes) -> list[str]:
    try:
        return [SecretBox(key).decrypt(ciphertext).decode()]
    except (CryptoError, ValueError):
        return []


async def _every_record(bootstrap: str, prefix: str) -> list:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        topics = [t for t in await admin.list_topics() if t.startswith(prefix)]
    finally:
        await admin.close()
    return await read_topics(bootstrap, topics, timeout=5, settle=0.3)


def _stores(data_dir: Path) -> dict[str, list[tuple[str, dict]]]:
    """Every row of every table of every service's SQLite store, as column -> value."""
    rows: dict[str, list[tuple[str, dict]]] = {}
    for path in sorted(data_dir.glob("*.db")):
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = [r[0] for r in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                cursor = connection.execute(f'SELECT * FROM "{table}"')
                names = [d[0] for d in cursor.description]
                rows.setdefault(path.stem, []).extend(
                    (table, dict(zip(names, row))) for row in cursor)
        finally:
            connection.close()
    return rows


async def _what_opens(bootstrap: str, prefix: str, keys_dir: Path, data_dir: Path, *,
                      words: tuple[str, ...] = HER_WORDS) -> list[str]:
    """Everything of hers (``words``) that opens from every topic and every store, in plain
    text."""
    attacker = Attacker(keys_dir)
    records = await _every_record(bootstrap, prefix)
    values = []
    for record in records:
        if record.value is None:
            continue
        try:
            event = json.loads(record.value)
        except ValueError:
            values += _sealed_in(record.value)
            continue
        if isinstance(event, dict) and str(event.get("type", "")).startswith(
                "vod.SubjectKeyGranted."):
            attacker.learn_grant(SubjectKeyGranted.model_validate(event["data"]))
        values += _sealed_in(event)
    stores = _stores(data_dir)
    for rows in stores.values():
        for _, row in rows:
            key_id = row.get("key_id")
            for cell in row.values():
                for sealed in _sealed_in(cell):
                    if key_id:
                        attacker.learn_row(key_id, sealed)
                    values.append(sealed)
    opened = [text for sealed in values for text in attacker.open(sealed)]
    return [text for text in opened if any(word.lower() in text.lower() for word in words)]


def _plain_in_stores(data_dir: Path, *, words: tuple[str, ...] = HER_WORDS) -> list[str]:
    """Store files (and their write-ahead logs) holding her words in plain text."""
    found = []
    for path in sorted(data_dir.glob("*.db*")):
        raw = path.read_bytes().lower()
        found += [f"{path.name}: {word}" for word in words if word.lower().encode() in raw]
    return found


async def test_an_erased_victim_is_gone_from_every_topic_and_store_within_a_minute(
        service_env, processes, kafka_bootstrap, topic_prefix, tmp_path):
    data_dir, keys_dir = Path(service_env["VOD_DATA_DIR"]), Path(service_env["VOD_KEYS_DIR"])
    with Catchers(tmp_path / "catchers", smtp_port=free_port(), http_port=free_port()) as catchers:
        env = _env(service_env, catchers, tmp_path)
        started = {name: processes(name, env, wait=False) for name in SERVICES}
        for process in started.values():
            process.wait_healthy(90.0)
        intake, screening = started["intake"], started["screening"]

        # She asks on the public page, ticking custody notices, and confirms her email.
        await _ask_on_the_public_page(intake.url)
        await _confirm(intake.url, catchers)
        # A witness registers for the same offender's custody notices (a partner's webhook).
        _post(intake.url, "/webhooks/requests", {
            "kind": "custody_notification_registration", "notify_on": ["release", "escape"],
            "requester": {"given_name": "Wen", "family_name": "Stays", "relationship": "witness",
                          "email": WITNESS, "preferred_language": "en",
                          "preferred_channel": "email", "state": "CA"},
            "offender": {"cdcr_number": CDCR}})
        intake_events = [json.loads(r.value) for r in await read_topic(
            kafka_bootstrap, f"{topic_prefix}vod.intake", at_least=3, settle=0.5)]
        [case_id] = [e["subject"] for e in intake_events if e["type"] == "vod.RequestReceived.v1"]

        # She is acknowledged, and told of a release: the notices she ticked reach her.
        def acknowledged() -> bool:
            return len(_mail_to(catchers, HER["email"])) >= 2  # the confirmation, then this
        assert await wait_until(acknowledged, timeout=30)
        _custody(screening.url, "release", "on_parole")
        assert await wait_until(lambda: len(_mail_to(catchers, WITNESS)) >= 1, timeout=30)
        assert await wait_until(lambda: len(_mail_to(catchers, HER["email"])) >= 3, timeout=30)

        # Staff see her case and her name in screening.
        screener = add_staff(tmp_path / "staff.toml", "rosa", Role.SCREENER)
        admin = add_staff(tmp_path / "staff.toml", "ines", Role.ADMIN)
        async with httpx.AsyncClient(base_url=screening.url, timeout=15) as staff:
            await sign_in(staff, screener)

            async def her_name_shown() -> bool:
                page = await staff.get(f"/staff/cases/{case_id}")
                return page.status_code == 200 and HER["family_name"] in page.text
            assert await wait_until(her_name_shown, timeout=30)

        # The reading opens her details before the erasure (it can find them).
        before = await _what_opens(kafka_bootstrap, topic_prefix, keys_dir, data_dir)
        assert any(HER["email"] in text for text in before), "the reading finds nothing"
        assert any(NOTES_MARKER in text for text in before)

        async with httpx.AsyncClient(base_url=intake.url, timeout=15) as staff:
            await sign_in(staff, admin)
            erased = await staff.post(f"/api/cases/{case_id}/erase-requester",
                                      json={"reason": "person_asked"})
            assert erased.status_code == 202, erased.text
        erased_at = time.monotonic()
        mail_before = len(_mail_to(catchers, HER["email"]))

        # Within the minute: nothing of hers opens, from any topic or store.
        left: list[str] = before
        while left and time.monotonic() - erased_at < 75:
            time.sleep(1)  # a reading takes a moment itself; no need to wait long between
            left = await _what_opens(kafka_bootstrap, topic_prefix, keys_dir, data_dir)
        took = time.monotonic() - erased_at
        print(f"erasure: nothing of hers opens {took:.0f} s after the request")
        assert left == [], f"still opens after {took:.0f} s: {len(left)} values"
        assert _plain_in_stores(data_dir) == []

        # An escape: the witness is told, she is not.
        _custody(screening.url, "escape", "escaped")
        assert await wait_until(lambda: len(_mail_to(catchers, WITNESS)) >= 2, timeout=30)
        time.sleep(2)
        assert len(_mail_to(catchers, HER["email"])) == mail_before
        assert not any(HER["phone"][-4:] in (m.get("to") or "") for m in catchers.sms.read())

        # Her case stays, with its history, as "details erased".
        async with httpx.AsyncClient(base_url=screening.url, timeout=15) as staff:
            await sign_in(staff, screener)
            page = await staff.get(f"/staff/cases/{case_id}")
            assert page.status_code == 200
            assert "details erased" in page.text.lower()
            assert HER["family_name"] not in page.text
