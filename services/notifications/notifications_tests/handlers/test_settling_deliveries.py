"""Settling what became of a delivery: the SMS provider's status callbacks (signed like the
inbound texts) and a staff member settling one whose outcome is unknown; the delivery log and
/metrics at each step. The whole app as bootstrap builds it (the broker is not started), with
the real sender."""
import re
from urllib.parse import urlencode, urlsplit

import httpx
import pytest

from vod_devtools.catchers import Catchers
from vod_devtools.net import free_port
from vod_devtools.staff_testing import add_staff, sign_in
from vod_shared.staff import Role

from notifications.adapters.twilio_signature import signature
from notifications.bootstrap import bootstrap
from notifications.config import Settings
from notifications.domain.delivery import OutcomeUnknown
from notifications.domain.staff import STAFF_MAILBOX as STAFF_RECIPIENT

from ..support import STAFF_MAILBOX, new_id, request

TOKEN = "test-auth-token"
REPLIES_URL = "https://door.example.test/webhooks/sms"
STATUS_URL = REPLIES_URL + "/status"


def _settings(tmp_path, **extra) -> Settings:
    return Settings(
        NOTIFICATIONS_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'notifications.db'}",
        VOD_KEYS_DIR=str(tmp_path / "keys"), VOD_DATA_DIR=str(tmp_path / "var"),
        KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1", SMS_AUTH_TOKEN=TOKEN,
        SMS_WEBHOOK_URL=REPLIES_URL, STAFF_ALERTS_EMAIL=STAFF_MAILBOX,
        VOD_STAFF_FILE=str(tmp_path / "staff.toml"),
        STAFF_SESSION_SECRET="notifications-tests-session-secret-0123456789", **extra)


class Service:
    """The app over HTTP from this machine (so /metrics answers), its real sender, and the
    harness's store, events and recording providers."""

    def __init__(self, app, harness, settings) -> None:
        self.app, self.harness, self.settings = app, harness, settings
        self.sender = app.state.sender
        self.http = self._client()
        self.clients: list[httpx.AsyncClient] = []

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app,
                                                               client=("127.0.0.1", 40000)),
                                 base_url="http://notifications.test")

    async def staff(self, *roles: Role) -> httpx.AsyncClient:
        person = add_staff(self.settings.effective_staff_file(), f"staff{new_id()[:8]}", *roles)
        client = self._client()
        await sign_in(client, person)
        client.username = person.username
        self.clients.append(client)
        return client

    async def send_due(self) -> int:
        total = 0
        await self.sender.reconcile_interrupted()
        while handled := await self.sender.send_due():
            total += handled
        return total

    async def status(self, sid: str, status: str, *, delivery: str | None = None,
                     error_code: str | None = None, token: str = TOKEN,
                     url: str = STATUS_URL, sign: bool = True) -> httpx.Response:
        params = [("MessageSid", sid), ("MessageStatus", status), ("AccountSid", "AC123"),
                  ("To", "+16195550100"), ("From", "+15005550006"), ("ApiVersion", "2010-04-01")]
        if error_code:
            params.append(("ErrorCode", error_code))
        query = f"?{urlencode({'delivery': delivery})}" if delivery else ""
        headers = {"content-type": "application/x-www-form-urlencoded"}
        if sign:
            headers["x-twilio-signature"] = signature(token, url + query, params)
        return await self.http.post("/webhooks/sms/status" + query, content=urlencode(params),
                                    headers=headers)

    async def metrics(self) -> dict[tuple[str, frozenset], float]:
        response = await self.http.get("/metrics")
        assert response.status_code == 200
        samples = {}
        for line in response.text.splitlines():
            if line and not line.startswith("#"):
                name_labels, value = line.rsplit(" ", 1)
                name, _, labels = name_labels.partition("{")
                samples[(name, frozenset(re.findall(r'(\w+)="([^"]*)"', labels)))] = float(value)
        return samples

    async def row(self, delivery_id: str):
        async with self.harness.uow() as uow:
            return await uow.deliveries.get(delivery_id)


def metric(samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
async def service(harness, clock, tmp_path):
    settings = _settings(tmp_path)
    _, app = bootstrap(settings, clock, email=harness.email, sms=harness.sms)
    service = Service(app, harness, settings)
    yield service
    for client in (service.http, *service.clients):
        await client.aclose()
    await app.state.runtime.engine.dispose()


async def _a_text(service: Service, clock, *, outcome=None) -> str:
    """A request acknowledged by text to a person who prefers texts, sent by the sender (the
    provider answering ``outcome``, else Sent); its delivery id."""
    harness, person, case = service.harness, new_id(), new_id()
    await harness.person(person, preferred_channel="sms")
    await harness.deliver(request(case, person, channel="sms", at=clock()), subject=case)
    if outcome is not None:
        harness.sms.script.append(outcome)
    await service.send_due()
    [text] = await harness.deliveries(subject=case, recipient_id=person)
    return text.id


async def _announced(harness, kind: str, about: str | None = None) -> list:
    return [e for e in await harness.announced() if e.type == f"vod.{kind}.v1"
            and (about is None or e.data.notification_id == about)]


async def test_delivered_and_undelivered_texts_move_the_log(service, clock):
    delivered, undelivered = await _a_text(service, clock), await _a_text(service, clock)
    first, second = [await service.row(d) for d in (delivered, undelivered)]
    assert (first.status, second.status) == ("sent", "sent")
    before = await service.metrics()

    clock.move(minutes=1)
    assert (await service.status(first.provider_id, "sent")).status_code == 200
    assert (await service.status(first.provider_id, "delivered")).status_code == 200
    assert (await service.status(first.provider_id, "delivered")).status_code == 200  # replayed
    assert (await service.status(second.provider_id, "undelivered",
                                 error_code="30003")).status_code == 200
    assert (await service.status(second.provider_id, "undelivered",
                                 error_code="30003")).status_code == 200  # replayed

    staff = await service.staff(Role.COORDINATOR)
    log = {row["id"]: row for row in (await staff.get("/api/deliveries",
                                                      params={"status": "sent"})).json()}
    assert log[delivered]["delivered_at"] and log[delivered]["status"] == "sent"
    assert log[delivered]["provider_id"] == first.provider_id
    [failed] = (await staff.get("/api/deliveries", params={"status": "failed"})).json()
    assert (failed["id"], failed["reason"], failed["provider_id"]) == (
        undelivered, "sms_undelivered:30003", second.provider_id)
    # as a text the provider refused: announced as failed, and staff are told
    [announced] = await _announced(service.harness, "NotificationFailed")
    assert (announced.data.notification_id, announced.data.reason) == (
        undelivered, "sms_undelivered:30003")
    alerts = await service.harness.deliveries(recipient_id=STAFF_RECIPIENT)
    assert [a.template for a in alerts] == ["staff_delivery_failed"]

    after = await service.metrics()
    hooks = "vod_webhook_requests_total"
    assert metric(after, hooks, outcome="accepted") - metric(before, hooks, outcome="accepted") == 3
    assert metric(after, hooks, outcome="duplicate") - metric(
        before, hooks, outcome="duplicate") == 2
    assert metric(before, "vod_deliveries", state="sent", channel="sms") == 2
    assert metric(after, "vod_deliveries", state="sent", channel="sms") == 1
    assert metric(after, "vod_deliveries", state="failed", channel="sms") == 1


async def test_a_forged_or_unsigned_callback_changes_nothing(service, clock):
    text = await service.row(await _a_text(service, clock))
    refused = [
        await service.status(text.provider_id, "undelivered", token="not-the-token"),
        await service.status(text.provider_id, "undelivered", sign=False),
        # signed for another address than the one given to the provider
        await service.status(text.provider_id, "undelivered", url="https://evil.test/x"),
    ]
    assert {r.status_code for r in refused} == {401}
    assert all(r.headers["content-type"] == "application/problem+json" for r in refused)
    assert (await service.row(text.id)) == text
    assert await _announced(service.harness, "NotificationFailed") == []
    samples = await service.metrics()
    assert metric(samples, "vod_webhook_requests_total", outcome="rejected_signature") == 3
    assert metric(samples, "vod_webhook_requests_total", outcome="accepted") == 0


async def test_a_callback_about_a_message_not_ours_is_taken_and_changes_nothing(service, clock):
    text = await service.row(await _a_text(service, clock))
    response = await service.status("SM" + new_id().replace("-", ""), "failed", error_code="1")
    assert response.status_code == 200
    assert (await service.row(text.id)) == text
    # nor does a hint naming a delivery settle one that already has its provider id
    other = await service.status("SM" + new_id().replace("-", ""), "failed", delivery=text.id)
    assert other.status_code == 200 and (await service.row(text.id)) == text
    bad = await service.status("", "delivered")
    assert bad.status_code == 422
    samples = await service.metrics()
    assert metric(samples, "vod_webhook_requests_total", outcome="invalid") == 1


async def test_the_providers_callback_settles_a_text_whose_answer_never_came(service, clock):
    delivery = await _a_text(service, clock, outcome=OutcomeUnknown("sms_no_answer:ReadTimeout"))
    unknown = await service.row(delivery)
    assert unknown.status == "unknown" and unknown.provider_id is None
    assert metric(await service.metrics(), "vod_unknown_deliveries") == 1

    sid = "SM" + new_id().replace("-", "")
    assert (await service.status(sid, "delivered", delivery=delivery)).status_code == 200
    settled = await service.row(delivery)
    assert (settled.status, settled.provider_id) == ("sent", sid) and settled.delivered_at
    [sent] = await _announced(service.harness, "NotificationSent", delivery)
    assert sent.data.provider_id == sid
    samples = await service.metrics()
    assert metric(samples, "vod_unknown_deliveries") == 0
    assert metric(samples, "vod_deliveries", state="unknown", channel="sms") == 0
    await service.send_due()
    assert len(service.harness.sms.sent) == 1  # never sent again


async def test_staff_settle_an_unknown_text_as_not_sent_and_it_is_sent_exactly_once(
        service, clock):
    delivery = await _a_text(service, clock, outcome=OutcomeUnknown("sms_no_answer:ReadTimeout"))
    staff = await service.staff(Role.INTAKE)

    async def in_the_log() -> str:
        [row] = [r for r in (await staff.get("/api/deliveries")).json() if r["id"] == delivery]
        return row["status"]

    assert await in_the_log() == "unknown"
    clock.move(minutes=20)
    response = await staff.post(f"/api/deliveries/{delivery}/settle",
                                json={"outcome": "not_sent", "note_code": "provider_checked"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "pending" == await in_the_log()
    samples = await service.metrics()
    assert metric(samples, "vod_unknown_deliveries") == 0
    assert metric(samples, "vod_deliveries", state="pending", channel="sms") == 1

    again = await staff.post(f"/api/deliveries/{delivery}/settle", json={"outcome": "not_sent"})
    assert again.status_code == 409
    await service.send_due()
    await service.send_due()
    assert len(service.harness.sms.sent) == 2  # the first, whose answer never came, and this one
    assert service.harness.sms.sent[1]["delivery_id"] == delivery
    assert await in_the_log() == "sent"
    assert metric(await service.metrics(), "vod_deliveries", state="sent", channel="sms") == 1

    [entry] = (await staff.get("/api/delivery-settlements",
                               params={"delivery_id": delivery})).json()
    assert (entry["username"], entry["outcome"], entry["note_code"]) == (
        staff.username, "not_sent", "provider_checked")
    assert entry["at"].startswith(clock().date().isoformat())


async def test_staff_settle_an_unknown_text_as_sent_and_nothing_is_sent(service, clock):
    delivery = await _a_text(service, clock, outcome=OutcomeUnknown("sms_no_answer:ReadTimeout"))
    staff = await service.staff(Role.COORDINATOR)
    response = await staff.post(f"/api/deliveries/{delivery}/settle", json={"outcome": "sent"})
    assert response.status_code == 200 and response.json()["status"] == "sent"
    await service.send_due()
    assert len(service.harness.sms.sent) == 1
    [sent] = await _announced(service.harness, "NotificationSent", delivery)
    assert sent.data.provider_id is None
    [entry] = (await staff.get("/api/delivery-settlements")).json()
    assert (entry["delivery_id"], entry["outcome"], entry["note_code"]) == (
        delivery, "sent", None)


async def test_only_an_unknown_delivery_is_settled_and_refusals_are_problems(service, clock):
    sent = await _a_text(service, clock)
    staff = await service.staff(Role.ADMIN)
    conflict = await staff.post(f"/api/deliveries/{sent}/settle", json={"outcome": "sent"})
    assert conflict.status_code == 409
    assert conflict.headers["content-type"] == "application/problem+json"
    assert "is sent" in conflict.json()["detail"]
    missing = await staff.post(f"/api/deliveries/{new_id()}/settle", json={"outcome": "sent"})
    assert missing.status_code == 404
    wrong = await staff.post(f"/api/deliveries/{sent}/settle",
                             json={"outcome": "maybe", "note_code": "Called Ana at home"})
    assert wrong.status_code == 422 and "Ana" not in wrong.text
    facilitator = await service.staff(Role.FACILITATOR)
    assert (await facilitator.post(f"/api/deliveries/{sent}/settle",
                                   json={"outcome": "sent"})).status_code == 403
    anonymous = await service.http.post(f"/api/deliveries/{sent}/settle", json={"outcome": "sent"})
    assert anonymous.status_code == 401
    assert (await service.row(sent)).status == "sent"
    assert (await staff.get("/api/delivery-settlements")).json() == []


async def test_inbound_texts_and_failed_sign_ins_are_counted(service, clock):
    params = [("MessageSid", "SM" + new_id().replace("-", "")), ("From", "+16195550100"),
              ("Body", "HELP")]
    headers = {"content-type": "application/x-www-form-urlencoded",
               "x-twilio-signature": signature(TOKEN, REPLIES_URL, params)}
    for _ in range(2):  # the provider retried
        response = await service.http.post("/webhooks/sms", content=urlencode(params),
                                           headers=headers)
        assert response.status_code == 200

    page = await service.http.get("/staff/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    failed = await service.http.post("/staff/login", data={
        "username": "ana.lopez@example.org", "password": "guess", "code": "000000",
        "csrf_token": csrf, "next": ""})
    assert failed.status_code == 400

    response = await service.http.get("/metrics")
    samples = await service.metrics()
    assert metric(samples, "vod_webhook_requests_total", outcome="accepted") == 1
    assert metric(samples, "vod_webhook_requests_total", outcome="duplicate") == 1
    assert metric(samples, "vod_signin_failures_total", reason="credentials") == 1
    assert "ana.lopez" not in response.text and "6195550100" not in response.text


async def test_each_text_asks_the_provider_for_its_status_at_the_address_the_webhook_checks(
        harness, clock, tmp_path):
    """The real SMS adapter against the project's Twilio-compatible catcher: the callback the
    provider would post, to the address it was given, settles the text."""
    with Catchers(tmp_path / "catchers", http_port=free_port(), catch_mail=False) as catchers:
        settings = _settings(tmp_path, SMS_API_BASE=catchers.http_base, SMS_ACCOUNT_SID="AC123",
                             SMS_FROM="+15005550006")
        _, app = bootstrap(settings, clock, email=harness.email)
        service = Service(app, harness, settings)
        try:
            delivery = await _a_text(service, clock)
            [caught] = catchers.sms.read()
            assert caught["status_callback"] == f"{STATUS_URL}?delivery={delivery}"
            assert (await service.row(delivery)).provider_id == caught["sid"]
            callback = urlsplit(caught["status_callback"])
            params = [("MessageSid", caught["sid"]), ("MessageStatus", "delivered")]
            response = await service.http.post(
                f"{callback.path}?{callback.query}", content=urlencode(params),
                headers={"content-type": "application/x-www-form-urlencoded",
                         "x-twilio-signature": signature(TOKEN, caught["status_callback"],
                                                         params)})
            assert response.status_code == 200
            assert (await service.row(delivery)).delivered_at is not None
        finally:
            await service.http.aclose()
            await app.state.sender._sms.close()
            await app.state.runtime.engine.dispose()
