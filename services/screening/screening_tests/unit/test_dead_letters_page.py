"""The admins' dead-letters page: the list the command prints (reason, original topic,
partition and offset, the event's type and id), never the data; admins only; a broker that
does not answer is said so."""
import json
import uuid

from aiokafka.errors import KafkaConnectionError

from vod_shared.deadletters import DeadLetter, listed
from vod_shared.staff import Role

CIPHER = "c2VhbGVkLWxvZ2lzdGljcy1vZi1oZXItY2FzZQ"


def _letter(event_id: str, requester_id: str) -> DeadLetter:
    value = json.dumps({
        "specversion": "1.0", "id": event_id, "source": "/services/intake",
        "type": "vod.RequestReceived.v1", "subject": "case-1", "time": "2026-03-02T09:00:00Z",
        "datacontenttype": "application/json",
        "data": {"case_id": "case-1", "requester_id": requester_id, "relationship": "stranger",
                 "logistics": {"ciphertext": CIPHER, "sealed_by": "intake"}}}).encode()
    headers = {"dlq-reason": "undecodable: data does not match vod.RequestReceived.v1: "
                             "relationship", "dlq-consumer": "screening",
               "dlq-original-topic": "vod.intake", "dlq-original-partition": "2",
               "dlq-original-offset": "41", "dlq-failed-at": "2026-03-02T09:14:03+00:00"}
    return DeadLetter("vod.intake.dlq", 0, 7, b"case-1", value,
                      tuple((k, v.encode()) for k, v in headers.items()))


async def test_admins_see_each_dead_letter_without_its_data(screening):
    event_id, requester_id = str(uuid.uuid4()), str(uuid.uuid4())

    async def from_the_broker():
        return [listed(_letter(event_id, requester_id))]

    screening.app.state.list_dead_letters = from_the_broker
    admin = await screening.staff(Role.ADMIN)
    page = await admin.get("/staff/dead-letters")
    assert page.status_code == 200 and "1 dead letter" in page.text
    for shown in ("vod.intake.dlq 0:7", "vod.intake 2:41", "screening", event_id,
                  "vod.RequestReceived.v1", "relationship", "2026-03-02T09:14:03+00:00"):
        assert shown in page.text, shown
    for hidden in (CIPHER, requester_id, "stranger", "case-1"):
        assert hidden not in page.text, hidden
    assert "<script" not in page.text and page.headers["cache-control"] == "no-store"
    assert 'href="/staff/dead-letters"' in (await admin.get("/staff/audit")).text


async def test_only_admins_may_look(screening):
    async def never():
        raise AssertionError("listed for someone who may not see it")

    screening.app.state.list_dead_letters = never
    screener = await screening.staff(Role.SCREENER, Role.COORDINATOR)
    assert (await screener.get("/staff/dead-letters")).status_code == 403
    assert 'href="/staff/dead-letters"' not in (await screener.get("/staff/queue")).text
    anonymous = await screening.http.get("/staff/dead-letters")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/staff/login?next=")


async def test_a_broker_that_does_not_answer_is_said_so(screening):
    async def broker_down():
        raise KafkaConnectionError("no broker")

    screening.app.state.list_dead_letters = broker_down
    page = await (await screening.staff(Role.ADMIN)).get("/staff/dead-letters")
    assert page.status_code == 503 and "The broker did not answer" in page.text
