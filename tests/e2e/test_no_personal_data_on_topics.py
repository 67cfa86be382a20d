"""After a run with realistic data, no topic and no log holds a name, email or phone number
in plain text: people's details travel only sealed (DESIGN rule 11)."""
import base64
import json
import uuid

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from vod_devtools.staff_testing import add_staff, sign_in
from vod_devtools.testing import read_topic, read_topics, wait_until
from vod_devtools.webhooks import signed_headers
from vod_shared.staff import Role

from .services import SERVICES

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
SECRET = "whsec_" + base64.b64encode(uuid.uuid4().bytes * 2).decode()
PEOPLE = [
    ("María José", "Hernández-Olvera", "maria.hernandez@example.org", "+16195550147", "victim"),
    ("Darnell", "Washington", "d.washington@example.net", "+12135550188", "surviving_family_member"),
    ("Nguyen", "Thi Lan", "lan.nguyen@example.com", "+14155550123", "witness"),
]
OFFENDER = ("Richard", "Kowalczyk")
# Free text is personal data too: a word planted in a request's notes and in what staff write
# when they pause a case for her must reach no topic and no log.
MARKER = "Quetzalcoatlmarker"


def _post(url: str, payload: dict) -> httpx.Response:
    body = json.dumps(payload).encode()
    return httpx.post(f"{url}/webhooks/requests", content=body, timeout=10,
                      headers=signed_headers(body, SECRET))


def _payload(given, family, email, phone, relationship) -> dict:
    requester = {"given_name": given, "family_name": family, "relationship": relationship,
                 "email": email, "phone": phone, "preferred_language": "es",
                 "preferred_channel": "sms", "state": "CA", "time_zone": "America/Los_Angeles"}
    offender = {"cdcr_number": "BK4821", "given_name": OFFENDER[0], "family_name": OFFENDER[1]}
    if relationship == "witness":
        return {"kind": "custody_notification_registration", "requester": requester,
                "offender": offender, "notify_on": ["release", "escape"]}
    return {"kind": "dialogue_request", "requester": requester, "offender": offender,
            "notes": f"Please call {given} after 5pm at {phone}. {MARKER} notes."}


def _forms(text: str) -> set[str]:
    digits = "".join(ch for ch in text if ch.isdigit())
    return {text, text.lower(), digits[-10:]} if digits else {text, text.lower()}


async def test_no_topic_and_no_log_carries_a_persons_details(
        service_env, processes, kafka_bootstrap, topic_prefix, tmp_path):
    staff_env = {"VOD_STAFF_FILE": str(tmp_path / "staff.toml"),
                 "STAFF_SESSION_SECRET": "no-personal-data-staff-session-secret-0123456789"}
    started = {name: processes(name, service_env | staff_env | {"INTAKE_WEBHOOK_SECRET": SECRET},
                               wait=False) for name in SERVICES}
    for process in started.values():  # started together: one start's time, not four
        process.wait_healthy(90.0)
    cases = []
    for person in PEOPLE:
        answer = _post(started["intake"].url, _payload(*person))
        assert answer.status_code == 202
        cases.append(answer.json().get("case_id"))
    rosa = add_staff(tmp_path / "staff.toml", "rosa", Role.INTAKE)
    async with httpx.AsyncClient(base_url=started["intake"].url, timeout=10) as staff:
        await sign_in(staff, rosa)
        paused = await staff.post(f"/api/cases/{cases[0]}/pause", json={
            "reason": f"{MARKER}: in hospital, call {PEOPLE[0][3]}"})
        assert paused.status_code == 200, paused.text
    # The first asks again, with new notes: the repeat travels sealed too (RequestRepeated).
    again = _payload(*PEOPLE[0]) | {"notes": f"{PEOPLE[0][0]} again: text {PEOPLE[0][3]}."}
    assert _post(started["intake"].url, again).status_code == 202
    await read_topic(kafka_bootstrap, f"{topic_prefix}vod.intake", at_least=4)

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    topics = [t for t in await admin.list_topics() if t.startswith(topic_prefix)]
    await admin.close()
    await read_topic(kafka_bootstrap, f"{topic_prefix}vod.screening", at_least=2)
    everything = b""
    for record in await read_topics(kafka_bootstrap, topics, settle=0.5):
        everything += (record.key or b"") + (record.value or b"")
        everything += b"".join(value for _, value in record.headers or ())
    assert b"PersonRegistered" in everything and b"EligibilityDetermined" in everything
    assert b"RequestRepeated" in everything and b"CasePaused" in everything
    logs = "".join(process.log() for process in started.values())
    secrets = set().union(*(_forms(part) for person in PEOPLE for part in person[:4]),
                          *(_forms(part) for part in OFFENDER), _forms(MARKER))
    leaked = {s for s in secrets if s.encode() in everything or s in logs}
    assert leaked == set()
