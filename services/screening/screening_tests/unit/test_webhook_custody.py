"""POST /webhooks/custody: what the corrections department's feed sees, and what screening
records and announces."""
import json
from datetime import datetime, timedelta, timezone

import pytest

from screening.bootstrap import bootstrap
from screening.config import Settings

from ..conftest import SECRET, custody_change, new_cdcr_number, signed_headers

CUSTODY = "vod.custody"


async def test_an_accepted_change_is_kept_and_announced_keyed_by_the_cdcr_number(screening):
    response = await screening.post(custody_change(change="admission", facility_code="sq"))
    assert response.status_code == 202
    change_id = response.json()["change_id"]
    [row] = await screening.outbox(CUSTODY)
    event = json.loads(row.value)
    assert (row.key, event["subject"], event["type"]) == ("AB1234", "AB1234",
                                                         "vod.CustodyStatusChanged.v1")
    assert event["data"]["change_id"] == change_id
    assert event["data"]["facility_code"] == "SQ"
    assert event["data"]["effective_at"].startswith("2026-11-20T16:00:00")
    assert event["data"]["initial_load"] is False


async def test_a_transfer_says_where_from(screening):
    cdcr = new_cdcr_number()
    await screening.post(custody_change(cdcr_number=cdcr, change="admission", facility_code="SQ",
                                        effective_at="2026-01-05T09:00:00-08:00"))
    await screening.post(custody_change(cdcr_number=cdcr, change="transfer", facility_code="CMF"))
    transfer = (await screening.events(CUSTODY))[-1].data
    assert (transfer.previous_facility_code, transfer.facility_code) == ("SQ", "CMF")


async def test_a_parole_hearing_carries_its_date(screening):
    response = await screening.post(custody_change(
        change="parole_hearing", details__hearing_date="2027-03-01"))
    assert response.status_code == 202
    [event] = await screening.events(CUSTODY)
    assert event.data.hearing_date.isoformat() == "2027-03-01"


async def test_the_same_webhook_id_gets_the_first_answer_and_nothing_new_happens(screening):
    first = await screening.post(custody_change(), webhook_id="msg_custody_retry")
    again = await screening.post(custody_change(), webhook_id="msg_custody_retry")
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert len(await screening.outbox()) == 1


@pytest.mark.parametrize("signing", [
    {"secret": "whsec_" + "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA=="},
    {"at": timedelta(minutes=-6)},  # older than five minutes
    {"at": timedelta(minutes=6)},   # from the future
])
async def test_a_bad_or_stale_signature_is_refused(screening, signing):
    # Times are taken now, not when the tests were collected minutes ago.
    if "at" in signing:
        signing = {"at": datetime.now(timezone.utc) + signing["at"]}
    response = await screening.post(custody_change(), **signing)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert await screening.outbox() == []


async def test_an_unsigned_change_is_refused(screening):
    response = await screening.http.post("/webhooks/custody", json=custody_change())
    assert response.status_code == 401


@pytest.mark.parametrize("overrides, field", [
    ({"cdcr_number": "1234567"}, "cdcr_number"),
    ({"cdcr_number": "ABC123"}, "cdcr_number"),
    ({"cdcr_number": ...}, "cdcr_number"),
    ({"status": "on_vacation"}, "status"),
    ({"change": "promotion"}, "change"),
    ({"effective_at": "2026-11-20T08:00:00"}, "effective_at"),
    ({"effective_at": "next tuesday"}, "effective_at"),
    ({"facility_code": "S Q!"}, "facility_code"),
    ({"favourite_colour": "blue"}, "favourite_colour"),
    ({"details__new_name": "Johnny"}, "details.new_name"),
    ({"details__hearing_date": "soon"}, "details.hearing_date"),
    ({"status": "on_parole"}, "facility_code"),           # on parole is in no facility
    ({"facility_code": None}, "facility_code"),           # in prison is in one
    ({"change": "death"}, "status"),                      # a death leaves the person deceased
    ({"change": "parole_hearing"}, "details.hearing_date"),
])
async def test_each_bad_field_is_named_without_echoing_what_was_sent(screening, overrides, field):
    response = await screening.post(custody_change(**overrides))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [error["field"] for error in response.json()["errors"]]
    sent = [str(v) for v in overrides.values() if v not in (..., None)]
    assert not any(value in response.text for value in sent if len(value) > 2)
    assert await screening.outbox() == []


async def test_a_cdcr_number_in_either_form_and_any_case_is_stored_upper(screening):
    for number in ("a12345", "Bc1234"):
        assert (await screening.post(custody_change(cdcr_number=number))).status_code == 202
    assert [row.key for row in await screening.outbox(CUSTODY)] == ["A12345", "BC1234"]


async def test_someone_not_in_a_facility_has_a_null_facility_code(screening):
    response = await screening.post(custody_change(change="release", status="on_parole",
                                                   facility_code=None))
    assert response.status_code == 202
    [event] = await screening.events(CUSTODY)
    assert event.data.facility_code is None and event.data.status == "on_parole"


async def test_only_json_is_accepted(screening):
    raw = b"cdcr_number=AB1234"
    headers = signed_headers(raw) | {"content-type": "text/csv"}
    response = await screening.http.post("/webhooks/custody", content=raw, headers=headers)
    assert response.status_code == 415


async def test_malformed_json_is_refused(screening):
    response = await screening.post(b'{"cdcr_number": ')
    assert response.status_code == 400


async def test_an_oversized_body_is_refused(screening):
    response = await screening.post(custody_change(details__padding="x" * 20_000))
    assert response.status_code == 413



async def test_the_openapi_document_describes_the_feeds_body(screening):
    document = (await screening.http.get("/openapi.json")).json()
    body = document["paths"]["/webhooks/custody"]["post"]["requestBody"]
    schemas = document["components"]["schemas"]
    ref = body["content"]["application/json"]["schema"]["$ref"]
    schema = schemas[ref.rsplit("/", 1)[-1]]
    assert set(schema["required"]) >= {"cdcr_number", "change", "status", "effective_at"}
    details = schema["properties"]["details"]
    details = schemas[(details.get("$ref") or details["anyOf"][0]["$ref"]).rsplit("/", 1)[-1]]
    assert "hearing_date" in details["properties"]


@pytest.mark.parametrize("secrets", ["whsec_x", f"{SECRET} whsec_%%%", "whsec_"])
def test_a_malformed_feed_secret_stops_the_start_naming_the_setting(tmp_path, secrets):
    settings = Settings(SCREENING_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/screening.db",
                        CUSTODY_WEBHOOK_SECRET=secrets, KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1",
                        VOD_DATA_DIR=str(tmp_path))
    with pytest.raises(ValueError, match="CUSTODY_WEBHOOK_SECRET") as refused:
        bootstrap(settings)
    assert "whsec_x" not in str(refused.value) and "%%%" not in str(refused.value)


def test_a_well_formed_feed_secret_or_none_starts(tmp_path):
    for secrets in (f"{SECRET} {SECRET}", ""):
        settings = Settings(SCREENING_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/s.db",
                            CUSTODY_WEBHOOK_SECRET=secrets, KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1",
                            VOD_DATA_DIR=str(tmp_path))
        runtime, app = bootstrap(settings)
        assert "/webhooks/custody" in app.openapi()["paths"]


async def test_metrics_count_each_call_by_outcome(screening):
    import re

    async def counted() -> dict[str, float]:
        text = (await screening.http.get("/metrics")).text
        return {m.group(1): float(m.group(2)) for m in re.finditer(
            r'^vod_webhook_requests_total\{outcome="(\w+)"\} (\S+)$', text, re.M)}

    assert set((await counted()).values()) == {0.0}
    change = custody_change(cdcr_number=new_cdcr_number(), change="admission")
    assert (await screening.post(change, webhook_id="msg_1")).status_code == 202
    assert (await screening.post(change, webhook_id="msg_1")).status_code == 202
    assert (await screening.http.post("/webhooks/custody", json=change)).status_code == 401
    assert (await screening.post(custody_change(status="on_vacation"))).status_code == 422
    assert await counted() == {"accepted": 1, "duplicate": 1, "rejected_signature": 1,
                               "invalid": 1}
