"""A victim's support person, over the real broker with the four services as processes: staff
add one in intake; scheduling asks screening for their gate clearance with the other visitors,
and screening's case shows them among its visitors; when the dialogue is scheduled, they get
their own invitation (with the calendar file) and the victim hers. Their name and contact are on
no topic in clear. Then the victim is erased: her support person is taken off the case and
erased with her, so nothing of theirs opens any more from any topic or store (screening's
visitors, scheduling's case and notifications' contacts included)."""
import base64
import json
import sqlite3
import time
import uuid
from datetime import datetime, timedelta, timezone
from email import message_from_string, policy
from pathlib import Path

import httpx
import pytest

from vod_devtools.catchers import Catchers
from vod_devtools.demo import expect, signed, until
from vod_devtools.net import free_port
from vod_devtools.staff_testing import add_staff, sign_in
from vod_devtools.testing import read_topic, read_topics
from vod_shared.envelope import from_kafka
from vod_shared.staff import Role

from .test_erasure_everywhere import _plain_in_stores, _what_opens

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
INTAKE_SECRET = "whsec_" + base64.b64encode(uuid.uuid4().bytes * 2).decode()
CUSTODY_SECRET = "whsec_" + base64.b64encode(uuid.uuid4().bytes * 2).decode()
APPROVED = {"offender_consents": True, "offender_acknowledges_responsibility": True,
            "safety_concerns": False, "victim_ready": True, "outcome": "approved"}
WEEKDAYS = {"time_zone": "America/Los_Angeles",
            "weekly": [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]}


async def _invitations(catchers: Catchers, address: str) -> list:
    found = []
    for record in catchers.mail.read():
        message = message_from_string(record["raw"], policy=policy.default)
        if address in record["rcpt_tos"] and any(
                p.get_content_type() == "text/calendar" for p in message.walk()):
            found.append(message)
    return found


async def _through_screening(intake, screening, scheduling, tag: str, victim: str) -> str:
    cdcr = f"S{uuid.uuid4().int % 100000:05d}"
    raw, headers = signed({"cdcr_number": cdcr, "change": "admission", "status": "in_prison",
                           "facility_code": "SQ", "details": {},
                           "effective_at": datetime.now(timezone.utc).isoformat()},
                          CUSTODY_SECRET)
    expect(await screening.post("/webhooks/custody", content=raw, headers=headers), 202,
           doing="the custody feed")
    expect(await scheduling.post("/api/facilitators", json={
        "display_name": f"Eli {tag}", "languages": ["en"], "capacity": 4, "experienced": True,
        "availability": WEEKDAYS}), 201, doing="adding a facilitator")
    raw, headers = signed({"kind": "dialogue_request", "requester": {
        "given_name": "Ana", "family_name": "Apoyo", "relationship": "victim", "email": victim,
        "preferred_language": "en", "preferred_channel": "email", "state": "CA"},
        "offender": {"cdcr_number": cdcr}}, INTAKE_SECRET)
    case_id = expect(await intake.post("/webhooks/requests", content=raw, headers=headers), 202,
                     doing="her request")["case_id"]

    async def eligible():
        response = await screening.get(f"/api/cases/{case_id}")
        return response.status_code == 200 and response.json().get("eligibility")
    await until("the eligibility decision", eligible, 45)
    expect(await screening.post(f"/api/cases/{case_id}/screening", json=APPROVED), 200,
           doing="approving the screening")

    async def assigned():
        response = await scheduling.get(f"/api/cases/{case_id}")
        return response.status_code == 200 and response.json().get("facilitator_ids")
    await until("a facilitator to be assigned", assigned, 45)
    return case_id


async def _schedule_by_video(scheduling, case_id: str) -> None:
    held = (datetime.now(timezone.utc) - timedelta(days=2)).replace(microsecond=0)
    for party in ("victim", "offender"):
        expect(await scheduling.post(f"/api/cases/{case_id}/meetings/past", json={
            "party": party, "mode": "video", "starts_at": held.isoformat(),
            "duration_minutes": 60, "outcome": "Prepared."}), 201, doing="a meeting")
        expect(await scheduling.post(f"/api/cases/{case_id}/parties/{party}/ready", json={}),
               200, doing="ready")
    slots = expect(await scheduling.get(f"/api/cases/{case_id}/session/slots",
                                        params={"venue": "video", "count": 1}), 200,
                   doing="finding a time")
    expect(await scheduling.post(f"/api/cases/{case_id}/session", json={
        "starts_at": slots["slots"][0]["starts_at"], "venue": "video"}), 201,
        doing="scheduling the dialogue")


def _scheduling_support_persons(data_dir: Path, case_id: str) -> list[str]:
    """Scheduling's own record of the case's support persons (its store; no API shows it)."""
    connection = sqlite3.connect(f"file:{data_dir / 'scheduling.db'}?mode=ro", uri=True)
    try:
        [(ids,)] = connection.execute("SELECT support_person_ids FROM cases WHERE case_id = ?",
                                      (case_id,)).fetchall()
    finally:
        connection.close()
    return json.loads(ids)


async def _erase_her_and_wait_until_nothing_of_theirs_opens(
        intake, screening, case_id: str, person_id: str, words: tuple[str, ...], *,
        kafka_bootstrap: str, topic_prefix: str, keys_dir: Path, data_dir: Path) -> None:
    before = await _what_opens(kafka_bootstrap, topic_prefix, keys_dir, data_dir, words=words)
    assert any(words[0] in text for text in before), "the reading finds nothing of theirs"
    assert _scheduling_support_persons(data_dir, case_id) == [person_id]
    expect(await intake.post(f"/api/cases/{case_id}/erase-requester",
                             json={"reason": "person_asked"}), 202, doing="erasing her")
    erased_at, left = time.monotonic(), before
    while left and time.monotonic() - erased_at < 75:
        time.sleep(1)  # a reading takes a moment itself; no need to wait long between
        left = await _what_opens(kafka_bootstrap, topic_prefix, keys_dir, data_dir, words=words)
    assert left == [], f"still opens {time.monotonic() - erased_at:.0f} s after: {len(left)}"
    assert _plain_in_stores(data_dir, words=words) == []

    async def no_visitor_any_more():
        visitors = (await screening.get(f"/api/cases/{case_id}")).json()["visitors"]
        return not [v for v in visitors if v["visitor_id"] == person_id]
    await until("the support person off screening's visitors", no_visitor_any_more, 30)
    assert _scheduling_support_persons(data_dir, case_id) == []
    assert expect(await intake.get(f"/api/cases/{case_id}/support-persons"), 200,
                  doing="her support persons")["person_ids"] == []


async def test_a_support_person_is_added_cleared_for_invited_and_erased_with_her(
        service_env, processes, kafka_bootstrap, topic_prefix, tmp_path):
    tag = uuid.uuid4().hex[:6]
    victim, supporter = f"ana.{tag}@example.org", f"marta.{tag}@example.org"
    with Catchers(tmp_path / "catchers", smtp_port=free_port(), http_port=free_port()) as catchers:
        env = service_env | {"INTAKE_WEBHOOK_SECRET": INTAKE_SECRET,
                             "CUSTODY_WEBHOOK_SECRET": CUSTODY_SECRET,
                             "INTAKE_DUE_WORK_INTERVAL_S": "1"}
        started = {name: processes(name, env, wait=False)
                   for name in ("intake", "screening", "scheduling")}
        started["notifications"] = processes("notifications", wait=False, env=env | {
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(catchers.smtp_port),
            "SMS_API_BASE": catchers.http_base, "SMS_AUTH_TOKEN": "e2e-sms-token",
            "NOTIFICATIONS_SENDER_POLL_S": "0.2"})
        for process in started.values():
            process.wait_healthy(90.0)
        staff = add_staff(tmp_path / "var" / "staff.toml", f"staff-{tag}", Role.INTAKE,
                          Role.SCREENER, Role.COORDINATOR, Role.ADMIN)
        async with httpx.AsyncClient(base_url=started["screening"].url, timeout=15) as screening, \
                httpx.AsyncClient(base_url=started["intake"].url, timeout=15) as intake, \
                httpx.AsyncClient(base_url=started["scheduling"].url, timeout=15) as scheduling:
            for client in (intake, screening, scheduling):
                await sign_in(client, staff)
            case_id = await _through_screening(intake, screening, scheduling, tag, victim)

            person_id = expect(await intake.post(f"/api/cases/{case_id}/support-persons", json={
                "given_name": "Marta", "family_name": f"Apoyo{tag}", "email": supporter,
                "preferred_language": "en", "preferred_channel": "email"}), 201,
                doing="adding the support person")["person_id"]

            async def among_visitors():
                response = await screening.get(f"/api/cases/{case_id}")
                return [v for v in response.json()["visitors"]
                        if (v["visitor_id"], v["role"]) == (person_id, "support_person")]
            await until("the support person among screening's visitors", among_visitors, 45)

            await _schedule_by_video(scheduling, case_id)
            [invitation] = await until("the support person's invitation",
                                       lambda: _invitations(catchers, supporter), 45)
            await until("the victim's invitation", lambda: _invitations(catchers, victim), 30)
            # Read before the erasure below: afterwards the topics hold only tombstones.
            scheduling_topic = [from_kafka(r.value) for r in await read_topic(
                kafka_bootstrap, f"{topic_prefix}vod.scheduling", at_least=3, settle=0.5)]
            everything = b""
            for record in await read_topics(kafka_bootstrap, [
                    f"{topic_prefix}{topic}"
                    for topic in ("vod.intake", "vod.scheduling", "vod.screening", "vod.people")],
                    settle=0.3):
                everything += (record.key or b"") + (record.value or b"")

            await _erase_her_and_wait_until_nothing_of_theirs_opens(
                intake, screening, case_id, person_id, (supporter, f"Apoyo{tag}"),
                kafka_bootstrap=kafka_bootstrap, topic_prefix=topic_prefix,
                keys_dir=Path(service_env["VOD_KEYS_DIR"]),
                data_dir=Path(service_env["VOD_DATA_DIR"]))

    asked = [e.data for e in scheduling_topic
             if e.subject == case_id and e.type == "vod.ClearanceRequested.v1"]
    assert [a.support_person_ids for a in asked][-1] == [person_id]
    assert asked[-1].reason == "support_person_added"
    assert "support person" in invitation.get_body(("plain",)).get_content()
    assert "/v/" not in invitation.get_body(("plain",)).get_content()  # no link to her page
    assert supporter.encode() not in everything and f"Apoyo{tag}".encode() not in everything
