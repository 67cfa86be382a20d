"""Someone with a seat on the broker, over the real broker with intake and notifications as
processes: a CaseWithdrawn published by a service that does not own the topic, a
PersonUpdated that names intake as its sealer but was sealed with another key (to redirect her
messages to himself), and a PersonUpdated for her carrying his own details exactly as intake
sealed them when he signed up himself, are all dead-lettered with the reason; her next message
still goes to her own address, and his address gets nothing but his own acknowledgement."""
import base64
import json
import uuid
from datetime import datetime, timezone

import httpx
import pytest

from vod_devtools.catchers import Catchers
from vod_devtools.net import free_port
from vod_devtools.testing import produce, read_topic, wait_until
from vod_devtools.webhooks import signed_headers
from vod_shared.envelope import new_envelope, to_kafka
from vod_shared.events import (
    ActedBy,
    CaseWithdrawn,
    EligibilityDetermined,
    EligibilityOutcome,
    PersonUpdated,
    SealedDetails,
)
from vod_shared.person_keys import CONTACT, SubjectKey, seal_under
from vod_shared.sealing import KeyDirectory

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
SECRET = "whsec_" + base64.b64encode(uuid.uuid4().bytes * 2).decode()
HERS, HIS = "ana.forged@example.org", "intruder@example.net"


def _record(data, *, source: str, subject: str) -> tuple[bytes, bytes]:
    record = to_kafka(new_envelope(data, source=source, subject=subject))
    return record.key, record.value


def _mail_to(catchers: Catchers, address: str) -> list[dict]:
    return [m for m in catchers.mail.read() if address in m["rcpt_tos"]]


def _request(intake, *, given: str, email: str, cdcr_number: str) -> str:
    """A dialogue request through intake's partner webhook; its case id."""
    body = json.dumps({
        "kind": "dialogue_request",
        "requester": {"given_name": given, "family_name": "Forged", "relationship": "victim",
                      "email": email, "preferred_language": "en",
                      "preferred_channel": "email"},
        "offender": {"cdcr_number": cdcr_number}}).encode()
    accepted = httpx.post(f"{intake.url}/webhooks/requests", content=body,
                          headers=signed_headers(body, SECRET), timeout=10)
    assert accepted.status_code == 202, accepted.text
    return accepted.json()["case_id"]


async def _requester_of(kafka_bootstrap: str, topic_prefix: str, case_id: str) -> str:
    [request] = [r for r in await read_topic(kafka_bootstrap, f"{topic_prefix}vod.intake",
                                             at_least=1) if r.key.decode() == case_id]
    return json.loads(request.value)["data"]["requester_id"]


async def test_forged_events_are_dead_lettered_and_her_messages_stay_hers(
        service_env, processes, kafka_bootstrap, topic_prefix, tmp_path):
    with Catchers(tmp_path / "catchers", smtp_port=free_port(), http_port=free_port()) as catchers:
        env = service_env | {"INTAKE_WEBHOOK_SECRET": SECRET, "SMTP_HOST": "127.0.0.1",
                             "SMTP_PORT": str(catchers.smtp_port),
                             "SMS_API_BASE": catchers.http_base, "SMS_AUTH_TOKEN": "token",
                             "NOTIFICATIONS_SENDER_POLL_S": "0.2"}
        intake = processes("intake", env, wait=False)
        notifications = processes("notifications", env, wait=False)
        for process in (intake, notifications):
            process.wait_healthy(90.0)

        case_id = _request(intake, given="Ana", email=HERS, cdcr_number="AB5151")
        assert await wait_until(lambda: _mail_to(catchers, HERS), timeout=30)  # acknowledged
        person_id = await _requester_of(kafka_bootstrap, topic_prefix, case_id)
        # He signs up too, with his own address: intake seals his details, really, about him,
        # and they travel on vod.people in his PersonRegistered, where he can read them.
        his_case = _request(intake, given="Mallory", email=HIS, cdcr_number="AB5152")
        assert await wait_until(lambda: _mail_to(catchers, HIS), timeout=30)  # his own ack
        his_id = await _requester_of(kafka_bootstrap, topic_prefix, his_case)
        [his_registration] = [
            json.loads(r.value) for r in await read_topic(
                kafka_bootstrap, f"{topic_prefix}vod.people", at_least=1)
            if r.key.decode() == his_id
            and json.loads(r.value)["type"] == "vod.PersonRegistered.v1"]
        his_sealed = SealedDetails.model_validate(his_registration["data"]["sealed"])
        assert his_sealed.sealed_by == "intake" and his_sealed.key_id is not None
        his_mail = len(_mail_to(catchers, HIS))

        # 1. A withdrawal of her case, from a source that does not own vod.intake.
        await produce(kafka_bootstrap, f"{topic_prefix}vod.intake", _record(CaseWithdrawn(
            case_id=case_id, by=ActedBy.VICTIM, at=datetime.now(timezone.utc)),
            source="/services/scheduling", subject=case_id))
        # 2. Her details "updated" to his address: the right source, naming intake as the
        # sealer and intake's signing key, but signed with another (notifications' own key,
        # which a foothold on that server would give him).
        keys = KeyDirectory(service_env["VOD_KEYS_DIR"])
        forged = seal_under({"given_name": "Ana", "family_name": "Forged", "email": HIS,
                             "preferred_language": "en", "preferred_channel": "email"},
                            SubjectKey.new(person_id), CONTACT,
                            keyring=keys.keyring("notifications"))
        forged = forged.model_copy(update={"sealed_by": "intake",
                                           "sender_key": his_sealed.sender_key})
        await produce(kafka_bootstrap, f"{topic_prefix}vod.people", _record(PersonUpdated(
            person_id=person_id, sealed=forged, at=datetime.now(timezone.utc)),
            source="/services/intake", subject=person_id))
        # 3. Her details "updated" to his own real value, as intake sealed it about him.
        await produce(kafka_bootstrap, f"{topic_prefix}vod.people", _record(PersonUpdated(
            person_id=person_id, sealed=his_sealed, at=datetime.now(timezone.utc)),
            source="/services/intake", subject=person_id))

        dead_intake = await read_topic(kafka_bootstrap, f"{topic_prefix}vod.intake.dlq",
                                       at_least=1, settle=0.5)
        dead_people = await read_topic(kafka_bootstrap, f"{topic_prefix}vod.people.dlq",
                                       at_least=2, settle=0.5)
        reasons = [dict(r.headers)["dlq-reason"].decode() for r in dead_intake + dead_people]
        assert any(reason.startswith("not from the topic's owner: source '/services/scheduling'")
                   for reason in reasons), reasons
        refused = [reason for reason in reasons
                   if reason.startswith("unprocessable: person details refused: not_authentic")]
        assert len(refused) == 2, reasons  # the forged value, and his value replayed as hers
        assert not any(person_id in reason or his_id in reason for reason in reasons), reasons

        # Screening decides her case: the message goes to her, her case was not withdrawn.
        await produce(kafka_bootstrap, f"{topic_prefix}vod.screening", _record(
            EligibilityDetermined(case_id=case_id, outcome=EligibilityOutcome.ELIGIBLE,
                                  reason="in_state_prison", cdcr_number="AB5151",
                                  facility_code="SQ", decided_at=datetime.now(timezone.utc)),
            source="/services/screening", subject=case_id))
        assert await wait_until(lambda: len(_mail_to(catchers, HERS)) >= 2, timeout=30), (
            "her eligibility message did not come")
        assert len(_mail_to(catchers, HIS)) == his_mail
